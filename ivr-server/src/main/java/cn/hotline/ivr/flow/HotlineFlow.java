package cn.hotline.ivr.flow;

import cn.hotline.ivr.flow.IntakeResult.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code hotline} script: answer, the live announcement if switched on, opening hours, the
 * greeting, then straight to the route (the 12345 default: no menu) or through the line's menu.
 * It always hands the caller back to the dialplan with a route: a timeout, a wrong key or a
 * misconfigured menu ends in the fallback route, never in a hang-up.
 *
 * <p>On the way to the queue the intake policy applies: an agent free, or the agents' state
 * unknown → straight through; otherwise the caller describes the problem while waiting, and the
 * moment an agent frees up the earliest caller in intake is taken out ({@link IntakeLine}). Any key,
 * silence, a recogniser failure or overload ends intake towards the queue; an emergency heard in the
 * words, even half-way through a sentence, ends it towards the emergency route. Every call that
 * heads for an agent leaves a draft work order, whatever intake produced.
 */
public final class HotlineFlow {
    /** Channel variables the dialplan reads; documented in dialplans/README.md. */
    public static final String VAR_ROUTE = "IVR_ROUTE";
    public static final String VAR_REASON = "IVR_REASON";
    public static final String VAR_QUEUE = "IVR_QUEUE";
    public static final String VAR_LINE = "IVR_LINE";
    public static final String VAR_KEYS = "IVR_KEYS";
    public static final String VAR_STATUS = "IVR_STATUS";
    public static final String VAR_DRAFT_ID = "IVR_DRAFT_ID";
    public static final String VAR_QUEUE_PRIO = "IVR_QUEUE_PRIO";
    public static final String VAR_EMERGENCY_TARGET = "IVR_EMERGENCY_TARGET";
    public static final String VAR_INTAKE = "IVR_INTAKE";

    /**
     * The rooms the flow talks to on the way to an agent. {@code intake} and {@code line} may be null:
     * then intake is never offered.
     */
    public record Services(AgentAvailability agents, SpeechIntake intake, IntakeLine line,
                           EmergencyWatch emergencies, DraftRecorder drafts) {
        public static Services none() {
            return new Services(AgentAvailability.UNKNOWN, null, null, EmergencyWatch.NONE, DraftRecorder.NONE);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(HotlineFlow.class);
    /** Longer than any transfer line: past it, an earlier caller is not coming (hung up on the way). */
    static final Duration YIELD_MAX = Duration.ofSeconds(5);
    /** Longer than any earlier caller's intake (no-input plus maximum utterance): a safety net only. */
    static final Duration TURN_MAX = Duration.ofMinutes(2);

    private final Supplier<FlowSettings> settings;
    private final Clock clock;
    private final Services services;

    public HotlineFlow(Supplier<FlowSettings> settings, Clock clock, Services services) {
        this.settings = settings;
        this.clock = clock;
        this.services = services;
    }

    /** A flow without intake or drafts (menus and routing only). */
    public HotlineFlow(Supplier<FlowSettings> settings, Clock clock) {
        this(settings, clock, Services.none());
    }

    /**
     * Runs one call to its end on the caller's own thread. A step Asterisk refuses (or answers with
     * garbage) ends in the fallback: a draft, then the queue with {@code IVR_STATUS=ERROR} when the
     * channel can still take commands; the {@link CommandFailedException} is rethrown afterwards so
     * the server counts the call and closes the connection.
     */
    public FlowDecision handle(CallSession call, CallChannel channel) throws CallEndedException {
        FlowSettings s = settings.get();
        Progress progress = new Progress(s.lineFor(call));
        try {
            return handle(call, channel, s, progress);
        } catch (CallEndedException e) {
            // Hung up, perhaps on the way from intake to a free agent held for them: let it go at once.
            services.agents().callerGone(s.queue(), call.callId());
            throw e;
        } catch (CommandFailedException e) {
            fallBack(call, channel, s, progress, e);
            throw e;
        }
    }

    /** How far a call got: what the fallback needs after a failed command. */
    private static final class Progress {
        final FlowSettings.Line line;
        final AtomicReference<String> heardSoFar = new AtomicReference<>("");
        List<String> keys = List.of();
        boolean draftRecorded;

        Progress(FlowSettings.Line line) {
            this.line = line;
        }
    }

    /**
     * A command failed on a live channel: the caller still goes to an agent, with a draft of whatever
     * was heard, and the dialplan learns it from {@code IVR_STATUS=ERROR}. After a malformed reply
     * nothing more is sent (the stream is not trustworthy); the dialplan's fail-open (no
     * {@code IVR_ROUTE}) queues the caller instead.
     */
    private void fallBack(CallSession call, CallChannel channel, FlowSettings s, Progress p, CommandFailedException e)
            throws CallEndedException {
        log.warn("{}; {}", e.getMessage(), e.channelUsable()
                ? "the caller goes to the queue with " + VAR_STATUS + "=ERROR"
                : "connection closed, the dialplan's fail-open queues the caller");
        FlowDecision decision = new FlowDecision(FlowSettings.ROUTE_QUEUE, "error", p.keys);
        String draftId = "";
        if (!p.draftRecorded) {
            p.draftRecorded = true;
            draftId = services.drafts().record(call, decision, new IntakeResult(Outcome.FAILED, p.heardSoFar.get(), 0,
                    Duration.ZERO, "AGI " + e.command() + " failed")).draftId();
        }
        if (!e.channelUsable()) {
            return;
        }
        try {
            if (!draftId.isEmpty()) {
                channel.setVariable(VAR_DRAFT_ID, draftId);
            }
            channel.setVariable(VAR_ROUTE, decision.route());
            channel.setVariable(VAR_REASON, decision.reason());
            channel.setVariable(VAR_QUEUE, s.queue());
            channel.setVariable(VAR_LINE, p.line.name());
            // In arrival order like every other queued caller, not behind them all.
            channel.setVariable(VAR_QUEUE_PRIO, String.valueOf(IntakeLine.queuePriority(call.started())));
            channel.setVariable(VAR_STATUS, "ERROR");
        } catch (CommandFailedException again) {
            // The dialplan still queues a caller without IVR_ROUTE (fail-open).
            log.warn("fallback route not set: {}", again.getMessage());
        }
    }

    private FlowDecision handle(CallSession call, CallChannel channel, FlowSettings s, Progress progress)
            throws CallEndedException {
        FlowSettings.Line line = progress.line;
        channel.answer();
        if (s.announcementEnabled()) {
            channel.play(s.prompt(s.announcementPrompt()), "");
        }
        FlowDecision decision;
        if (!s.hours().isOpen(ZonedDateTime.now(clock))) {
            channel.play(s.prompt(s.closedPrompt()), "");
            decision = new FlowDecision(FlowSettings.ROUTE_CLOSED, "closed", List.of());
        } else if (line.menu() == null) {
            channel.play(s.prompt(line.greeting()), "");
            decision = new FlowDecision(FlowSettings.ROUTE_QUEUE, "direct", List.of());
        } else {
            Menu menu = s.menus().get(line.menu());
            char pressed = channel.play(s.prompt(line.greeting()), escapeDigits(s, menu));
            decision = new MenuWalk(s, channel).walk(menu, pressed);
        }
        progress.keys = decision.keys();
        if (FlowSettings.ROUTE_CLOSED.equals(decision.route()) || FlowSettings.ROUTE_HANGUP.equals(decision.route())) {
            finish(channel, s, line, decision);
            return decision;
        }
        AtomicReference<String> emergencyHeard = new AtomicReference<>("");
        AtomicReference<String> lastPartial = progress.heardSoFar;
        String notOffered = intakeNotOffered(s, decision);
        try (IntakeLine.Place place = notOffered.isEmpty() ? services.line().enter(call.callId(), call.started()) : null) {
            IntakeResult heard = place == null
                    ? IntakeResult.skipped(Outcome.SKIPPED, notOffered)
                    : capture(call, channel, s, decision, emergencyHeard, lastPartial);
            progress.draftRecorded = true;
            DraftRecorder.Recorded draft = services.drafts().record(call, decision, heard);
            String emergency = !emergencyHeard.get().isEmpty() ? emergencyHeard.get() : draft.emergencyTarget();
            boolean waitForTurn = false;
            if (!emergency.isEmpty()) {
                decision = new FlowDecision(FlowSettings.ROUTE_EMERGENCY, "emergency", decision.keys());
                channel.play(s.prompt(s.intake().emergencyPrompt()), "");
                channel.setVariable(VAR_EMERGENCY_TARGET, emergency);
            } else {
                boolean preempted = heard.outcome() == Outcome.PREEMPTED;
                if (heard.outcome() != Outcome.SKIPPED && heard.outcome() != Outcome.DTMF
                        && (!preempted || s.intake().transferLineWhenPreempted())) {
                    // The caller spoke (or was interrupted because an agent is free): one short line, then the agent.
                    channel.play(s.prompt(s.transferPrompt()), "");
                }
                waitForTurn = place != null && !preempted;
            }
            if (!draft.draftId().isEmpty()) {
                channel.setVariable(VAR_DRAFT_ID, draft.draftId());
            }
            for (Map.Entry<String, String> v : draft.channelVariables().entrySet()) {
                if (!v.getKey().equals(VAR_DRAFT_ID) && !v.getValue().isEmpty()) {
                    channel.setVariable(v.getKey(), v.getValue());
                }
            }
            channel.setVariable(VAR_INTAKE, heard.outcome().name().toLowerCase());
            channel.setVariable(VAR_QUEUE_PRIO, String.valueOf(IntakeLine.queuePriority(call.started())));
            if (waitForTurn) {
                waitForTurn(channel, place);
                yieldToEarlierCallers(call, s);
            }
            finish(channel, s, line, decision);
            return decision;
        }
    }

    /**
     * A caller who finished describing while someone who called earlier is still talking waits for
     * them here, with music on hold (see {@link IntakeLine.Place#waitForTurn()}). Asterisk is asked
     * every second whether the caller is still there, so one who hangs up leaves the line at once.
     */
    private void waitForTurn(CallChannel channel, IntakeLine.Place place) throws CallEndedException {
        CompletableFuture<Void> turn = place.waitForTurn();
        if (turn.isDone()) {
            return;
        }
        long t0 = System.nanoTime();
        log.info("callers who called earlier are still describing their problem: waiting for them, music on hold");
        channel.musicOnHold(true);
        long deadline = t0 + TURN_MAX.toNanos();
        while (!turn.isDone()) {
            if (System.nanoTime() - deadline >= 0) {
                log.warn("still waiting for earlier callers after {} s; going to the queue", TURN_MAX.toSeconds());
                break;
            }
            try {
                turn.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                channel.ping();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CallEndedException("interrupted while waiting in line");
            } catch (ExecutionException e) {
                break; // never completed exceptionally; go on rather than keep the caller
            }
        }
        channel.musicOnHold(false);
        log.info("our turn after {} ms in line", (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * A caller leaving intake on their own must not overtake the earlier callers just taken out of
     * it for a free agent: they are hearing the transfer line, and whoever joins the queue first
     * gets that agent (QUEUE_PRIO orders only callers who are in the queue together).
     */
    private void yieldToEarlierCallers(CallSession call, FlowSettings s) {
        long t0 = System.nanoTime();
        boolean inOrder = services.agents().letEarlierCallersGoFirst(s.queue(), call.callId(), YIELD_MAX);
        long waited = (System.nanoTime() - t0) / 1_000_000;
        if (!inOrder) {
            log.warn("earlier callers taken out of intake had not joined the queue after {} ms; going on", waited);
        } else if (waited >= 20) {
            log.info("waited {} ms for earlier callers to join the queue first", waited);
        }
    }

    /** The intake policy: offer intake only while no agent is free and we will hear when one frees up. "" = offer it. */
    private String intakeNotOffered(FlowSettings s, FlowDecision decision) {
        if (!FlowSettings.ROUTE_QUEUE.equals(decision.route()) || !decision.keys().isEmpty()) {
            return "menu route " + decision.route();
        }
        if (!s.intake().enabled() || services.intake() == null || services.line() == null) {
            return "intake disabled";
        }
        if (!services.agents().known()) {
            if (!s.intake().whenAgentsUnknown()) {
                return "agent state unknown";
            }
        } else if (services.agents().agentFree(s.queue())) {
            return "agent free";
        }
        return "";
    }

    /** The caller describes the problem; partial words are watched for emergencies as they come. */
    private IntakeResult capture(CallSession call, CallChannel channel, FlowSettings s, FlowDecision decision,
            AtomicReference<String> emergencyHeard, AtomicReference<String> lastPartial) throws CallEndedException {
        IntakeLine line = services.line();
        CaptureRequest request = new CaptureRequest(s.prompt(s.intake().invitePrompt()), null, null, null, List.of(),
                partial -> {
                    lastPartial.set(partial);
                    services.emergencies().check(partial).ifPresent(target -> {
                        if (emergencyHeard.compareAndSet("", target)) {
                            log.warn("emergency heard while the caller speaks: hand-over to {}", target);
                            line.leave(call.callId());
                        }
                    });
                    services.drafts().heard(call, partial); // after the emergency check: nothing may delay it
                });
        IntakeResult result;
        services.drafts().intakeStarted(call);
        try {
            result = services.intake().capture(channel, request);
        } catch (CallEndedException e) {
            // The caller hung up while describing the problem: what was heard so far still becomes a draft.
            services.drafts().record(call, decision, new IntakeResult(Outcome.FAILED, lastPartial.get(), 0,
                    Duration.ZERO, "caller hung up during intake"));
            throw e;
        } catch (CommandFailedException e) {
            throw e; // not a bug in the intake: the call's fallback handles it, with what was heard so far
        } catch (RuntimeException e) {
            // A bug in an intake must not cost the caller: queue them.
            log.error("speech intake failed; the caller goes to the queue: {}", e.toString());
            log.debug("speech intake failure", e);
            result = IntakeResult.skipped(Outcome.FAILED, e.toString());
        }
        log.info("intake {}: {} ms of speech{}", result.outcome().name().toLowerCase(), result.speech().toMillis(),
                result.detail().isEmpty() ? "" : " (" + result.detail() + ")");
        return result;
    }

    private static String escapeDigits(FlowSettings s, Menu menu) {
        StringBuilder digits = new StringBuilder();
        menu.options().keySet().forEach(digits::append);
        if (s.zeroOut() && digits.indexOf("0") < 0) {
            digits.append('0');
        }
        return digits.toString();
    }

    private void finish(CallChannel channel, FlowSettings s, FlowSettings.Line line, FlowDecision decision)
            throws CallEndedException {
        channel.setVariable(VAR_ROUTE, decision.route());
        channel.setVariable(VAR_REASON, decision.reason());
        channel.setVariable(VAR_QUEUE, s.queue());
        channel.setVariable(VAR_LINE, line.name());
        if (!decision.keys().isEmpty()) {
            channel.setVariable(VAR_KEYS, String.join("", decision.keys()));
        }
        channel.setVariable(VAR_STATUS, "OK");
        log.info("route={} reason={} line={} keys={}", decision.route(), decision.reason(), line.name(),
                String.join("", decision.keys()));
    }

    /** One caller's way through the menus: retries, invalid keys, sub-menus and back. */
    private static final class MenuWalk {
        private final FlowSettings s;
        private final CallChannel channel;
        private final List<String> keys = new ArrayList<>();
        private final Deque<Menu> path = new ArrayDeque<>();

        MenuWalk(FlowSettings s, CallChannel channel) {
            this.s = s;
            this.channel = channel;
        }

        FlowDecision walk(Menu start, char pressedDuringGreeting) throws CallEndedException {
            Menu menu = start;
            char pending = pressedDuringGreeting;
            int failures = 0;
            while (true) {
                String input = pending != 0
                        ? String.valueOf(pending)
                        : channel.collectDigits(s.prompt(menu.prompt()), menu.timeout(), 1);
                pending = 0;
                if (input.isEmpty()) {
                    if (++failures > menu.retries()) {
                        return new FlowDecision(menu.fallbackRoute(), "no-input", keys);
                    }
                    channel.play(s.prompt(menu.timeoutPrompt()), "");
                    continue;
                }
                char key = input.charAt(0);
                keys.add(String.valueOf(key));
                if (key == '0' && s.zeroOut()) {
                    return new FlowDecision(FlowSettings.ROUTE_QUEUE, "zero-out", keys);
                }
                Menu.Action action = menu.options().get(key);
                if (action == null) {
                    if (++failures > menu.retries()) {
                        return new FlowDecision(menu.fallbackRoute(), "invalid-input", keys);
                    }
                    channel.play(s.prompt(menu.invalidPrompt()), "");
                    continue;
                }
                failures = 0;
                switch (action) {
                    case Menu.Route r -> {
                        return new FlowDecision(r.route(), "menu", keys);
                    }
                    case Menu.Submenu sub -> {
                        path.push(menu);
                        menu = s.menus().get(sub.menu());
                    }
                    case Menu.Back b -> menu = path.isEmpty() ? menu : path.pop();
                    case Menu.Repeat r -> {
                        // Play the same menu again.
                    }
                }
            }
        }
    }
}
