package cn.hotline.ivr.agent;

import cn.hotline.ivr.ops.CallLog;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.understanding.PersonalData;
import cn.hotline.ivr.telephony.ami.AgentComplete;
import cn.hotline.ivr.telephony.ami.AgentConnect;
import cn.hotline.ivr.telephony.ami.AgentEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Screen pops: when an agent answers (AMI AgentConnect), find the caller's draft and push it to that
 * agent's desks; when the call ends (AgentComplete), tell the desks. Latency from AgentConnect
 * received to the first desk's frame written is the {@code ivr.screen.pop.latency} timer.
 *
 * <p>The draft store is asked for at most {@code agent.lookup-timeout}; if it is slower or failing,
 * the pop goes out with what AMI said (caller number, hold time) and the draft follows when found.
 * So a pop never waits on the ticket backend or on a slow disk.
 */
public final class ScreenPops implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScreenPops.class);

    private final AgentSettings settings;
    private final DraftLookup drafts;
    private final DeskRegistry desks = new DeskRegistry();
    private final Map<String, String> agentByMember = new HashMap<>();
    private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
    private final Timer latency;
    private final MeterRegistry registry;
    private final List<AgentEvents.Subscription> subscriptions = new ArrayList<>();

    /** The JSON message a desk receives for a call ({@code type} = {@code pop}). */
    public record PopMessage(String type, String callId, String agent, String queue, String memberIface,
                             String memberName, String callerNumber, long holdSeconds, String connectedAt,
                             String draftStatus, String draftError, ScreenPop draft) {
    }

    /** The call ended ({@code type} = {@code ended}). */
    public record EndedMessage(String type, String callId, String reason, long talkSeconds) {
    }

    public ScreenPops(AgentSettings settings, DraftLookup drafts, MeterRegistry registry) {
        this.settings = settings;
        this.drafts = drafts;
        this.registry = registry;
        settings.members().forEach((agent, members) -> members.forEach(m -> agentByMember.put(m, agent)));
        this.latency = Timer.builder("ivr.screen.pop.latency")
                .description("AgentConnect received to the pop written to the agent's desk")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    /** Listens to AMI answers and hang-ups. */
    public void bind(AgentEvents ami) {
        subscriptions.add(ami.onAgentConnect(this::agentConnected));
        subscriptions.add(ami.onAgentComplete(this::agentCompleted));
    }

    /** The desk of the member that answered: configured mapping first, then the interface's user part. */
    public Optional<String> agentFor(String memberIface, String memberName) {
        String agent = agentByMember.get(memberIface);
        if (agent == null && memberName != null) {
            agent = agentByMember.get(memberName);
        }
        if (agent == null && memberIface != null) {
            String user = memberIface.substring(memberIface.indexOf('/') + 1);
            int at = user.indexOf('@');
            agent = at < 0 ? user : user.substring(0, at);
        }
        return agent != null && settings.tokens().containsKey(agent) ? Optional.of(agent) : Optional.empty();
    }

    /** Constant-time token check. */
    boolean tokenValid(String agent, String token) {
        String expected = agent == null ? null : settings.tokens().get(agent);
        if (expected == null || token == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    DeskRegistry desks() {
        return desks;
    }

    /** Where the desk server counts what it drops (the same registry the pops are measured in). */
    MeterRegistry registry() {
        return registry;
    }

    /** Desks connected right now (all agents). */
    public int connectedDesks() {
        return desks.deskCount();
    }

    public void agentConnected(AgentConnect c) {
        try (var ignored = CallLog.callId(c.callId())) {
            Optional<String> agent = agentFor(c.memberIface(), c.memberName());
            if (agent.isEmpty()) {
                count("unmapped");
                LOG.warn("no desk for queue member {} ({}): add it under agent.members.<agent id>",
                        c.memberIface(), c.memberName());
                return;
            }
            desks.begin(agent.get(), c.callId());
            pop(agent.get(), c);
        }
    }

    /**
     * Looks the draft up on a virtual thread and pops from there as soon as it answers; if it has not
     * answered within the lookup timeout, a timer pops without it and what the store said follows. No
     * thread sits waiting, so a pop costs one thread hand-off before Netty's write. Without a draft the
     * store is asked again for a few seconds ({@link #FOLLOW_UPS}) while the call lasts: a draft written
     * a moment after the answer, or a store that recovers, still reaches the agent.
     */
    private void pop(String agent, AgentConnect c) {
        AtomicBoolean popped = new AtomicBoolean();
        long timeout = settings.lookupTimeout().toMillis();
        work.execute(() -> {
            Lookup found = lookUp(c, true);
            boolean first = popped.compareAndSet(false, true);
            // After a "pending" pop the desk hears the outcome whatever it is, or it would show "loading" all call.
            send(agent, c, found.status(), found.error(), found.draft(), first);
            if (found.draft() == null) {
                followUp(agent, c, 0);
            }
        });
        CompletableFuture.runAsync(() -> {
            if (popped.compareAndSet(false, true)) {
                send(agent, c, "pending", "draft store slower than " + timeout + " ms", null, true);
            }
        }, CompletableFuture.delayedExecutor(timeout, TimeUnit.MILLISECONDS, work));
    }

    /** Pauses before each repeated look for a draft that was not there at the answer: about 4 s in all. */
    static final List<Duration> FOLLOW_UPS = List.of(Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2));

    private void followUp(String agent, AgentConnect c, int attempt) {
        if (attempt >= FOLLOW_UPS.size() || !desks.isCurrent(agent, c.callId())) {
            return;
        }
        CompletableFuture.delayedExecutor(FOLLOW_UPS.get(attempt).toMillis(), TimeUnit.MILLISECONDS, work).execute(() -> {
            Lookup found = lookUp(c, false);
            if (found.draft() != null) {
                send(agent, c, "ok", "", found.draft(), false);
            } else {
                followUp(agent, c, attempt + 1);
            }
        });
    }

    /** What the draft store said: {@code ok} with the draft, {@code missing}, or {@code unavailable} with why. */
    private record Lookup(String status, String error, ScreenPop draft) {
    }

    /** {@code logFailure}: only the first look logs a failing store; repeated looks would say the same again. */
    private Lookup lookUp(AgentConnect c, boolean logFailure) {
        try {
            Optional<ScreenPop> draft = drafts.find(c.callId(), c.callerNumber());
            return draft.map(d -> new Lookup("ok", "", d)).orElseGet(() -> new Lookup("missing", "", null));
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (logFailure) {
                try (var ignored = CallLog.callId(c.callId())) {
                    LOG.warn("draft lookup failed, popping without draft: {}", why);
                }
            }
            return new Lookup("unavailable", "draft store: " + why, null);
        }
    }

    /** {@code measure}: this is the pop itself (a draft that follows a late lookup is not timed). */
    private void send(String agent, AgentConnect c, String status, String error, ScreenPop draft, boolean measure) {
        PopMessage m = new PopMessage("pop", c.callId(), agent, c.queue(), c.memberIface(), c.memberName(),
                c.callerNumber(), c.holdTime().toSeconds(), c.receivedAt().toString(), status, error, draft);
        int n = desks.push(agent, c.callId(), Json.write(m), () -> {
            if (measure) {
                latency.record(System.nanoTime() - c.receivedNanos(), TimeUnit.NANOSECONDS);
            }
        });
        if (measure) {
            count(n > 0 ? "delivered" : "no-desk");
        }
        try (var ignored = CallLog.callId(c.callId())) {
            LOG.info("screen pop to {} ({} desks), draft {}", agent, n, status);
        }
    }

    public void agentCompleted(AgentComplete c) {
        agentFor(c.memberIface(), c.memberName()).ifPresent(agent -> desks.end(agent, c.callId(),
                Json.write(new EndedMessage("ended", c.callId(), c.reason(), c.talkTime().toSeconds()))));
    }

    /**
     * A desk corrected a field: counted per field (how often understanding gets it wrong); value not logged.
     * Accepted only for a call that was popped to this agent and a field a pop carries; otherwise the
     * answer is the error to send back to the desk. Nothing the desk sent reaches the log or a metric
     * tag unchecked: a desk is authenticated but its messages are still input.
     */
    Optional<String> corrected(String agent, String callId, String field) {
        if (callId == null || callId.isBlank() || !desks.wasPoppedTo(agent, callId)) {
            LOG.warn("desk of agent {} sent a correction for call {}, which was not popped to it; ignored",
                    agent, maskedCallId(callId));
            return Optional.of("correction ignored: that call was not popped to agent " + agent);
        }
        try (var ignored = CallLog.callId(callId)) {
            if (field == null || !DraftPops.FIELD_KEYS.contains(field)) {
                LOG.warn("desk of agent {} sent a correction for an unknown field; ignored", agent);
                return Optional.of("correction ignored: unknown field (known: "
                        + DraftPops.FIELD_KEYS.stream().sorted().collect(java.util.stream.Collectors.joining(", ")) + ")");
            }
            Counter.builder("ivr.screen.pop.corrections").tag("field", field)
                    .description("fields agents corrected on the desk").register(registry).increment();
            LOG.info("agent {} corrected field {}", agent, field);
            return Optional.empty();
        }
    }

    /** A call id the desk made up, fit for a log line: printable, short, and masked like a number. */
    private static String maskedCallId(String callId) {
        if (callId == null || callId.isEmpty()) {
            return "(none)";
        }
        String printable = callId.length() > 40 ? callId.substring(0, 40) : callId;
        return "'" + PersonalData.maskNumber(printable.replaceAll("[^A-Za-z0-9._-]", "?")) + "'";
    }

    private void count(String result) {
        Counter.builder("ivr.screen.pops").tag("result", result).description("screen pops by outcome")
                .register(registry).increment();
    }

    @Override
    public void close() {
        subscriptions.forEach(AgentEvents.Subscription::close);
        work.shutdownNow();
    }
}
