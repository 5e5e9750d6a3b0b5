package cn.hotline.ivr.telephony.ami;

import cn.hotline.ivr.flow.AgentAvailability;
import cn.hotline.ivr.ops.CallLog;
import cn.hotline.ivr.telephony.FastAgiServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.asteriskjava.AsteriskVersion;
import org.asteriskjava.manager.AuthenticationFailedException;
import org.asteriskjava.manager.DefaultManagerConnection;
import org.asteriskjava.manager.ManagerConnectionState;
import org.asteriskjava.manager.ManagerEventListener;
import org.asteriskjava.manager.ResponseEvents;
import org.asteriskjava.manager.TimeoutException;
import org.asteriskjava.manager.action.PingAction;
import org.asteriskjava.manager.action.PlayDtmfAction;
import org.asteriskjava.manager.action.QueueStatusAction;
import org.asteriskjava.manager.action.SetVarAction;
import org.asteriskjava.manager.event.AgentCalledEvent;
import org.asteriskjava.manager.event.AgentCompleteEvent;
import org.asteriskjava.manager.event.AgentConnectEvent;
import org.asteriskjava.manager.event.AgentRingNoAnswerEvent;
import org.asteriskjava.manager.event.ConnectEvent;
import org.asteriskjava.manager.event.DisconnectEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.QueueCallerJoinEvent;
import org.asteriskjava.manager.event.QueueCallerLeaveEvent;
import org.asteriskjava.manager.event.QueueEntryEvent;
import org.asteriskjava.manager.event.QueueMemberAddedEvent;
import org.asteriskjava.manager.event.QueueMemberEvent;
import org.asteriskjava.manager.event.QueueMemberPauseEvent;
import org.asteriskjava.manager.event.QueueMemberRemovedEvent;
import org.asteriskjava.manager.event.QueueMemberStatusEvent;
import org.asteriskjava.manager.event.QueueParamsEvent;
import org.asteriskjava.manager.event.ResponseEvent;
import org.asteriskjava.manager.response.ManagerError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The AMI client: logs in to Asterisk, keeps the connection up, and keeps {@link QueueState} current
 * from queue events plus a periodic QueueStatus, so the flow can ask "is an agent free?" and hear
 * "an agent freed up" and "an agent answered caller X".
 *
 * <p>Threads. Asterisk-Java delivers every event of the connection on one thread from a bounded queue
 * that drops when full, so {@link #onEvent} only updates in-memory maps and hands anything else to
 * listener executors. A supervisor thread logs in, and after a failed login (Asterisk down, wrong
 * secret) retries with exponential backoff between {@code ami.reconnect-min} and
 * {@code ami.reconnect-max} plus jitter. A connection that drops after login is re-established by
 * Asterisk-Java itself (every 50 ms for ten tries, then every 5 s); the supervisor takes over if
 * Asterisk-Java gives up. After every login the queue is re-read with QueueStatus.
 *
 * <p>Entry points: {@link #start()}, {@link #isConnected()} / {@link #health()} for /ready, the
 * {@link AgentAvailability} methods for the flow, {@link #setVariable} for CTI variables, {@link #close()}.
 */
public final class AmiClient implements AgentAvailability, AgentEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AmiClient.class);

    private final AmiSettings settings;
    private final DefaultManagerConnection connection;
    private final QueueState state;
    private final ScheduledExecutorService scheduler;
    private final List<Listener<MemberState>> freeListeners = new CopyOnWriteArrayList<>();
    /** Told when a logged-in connection is lost (the queue state is unknown from then on). */
    private final List<Listener<Instant>> lostListeners = new CopyOnWriteArrayList<>();
    private final List<Listener<AgentConnect>> connectListeners = new CopyOnWriteArrayList<>();
    private final List<Listener<AgentComplete>> completeListeners = new CopyOnWriteArrayList<>();
    private final Object supervisorSignal = new Object();
    private final AtomicLong logins = new AtomicLong();
    private final Counter eventsCounter;
    private final Counter resyncFailures;
    private volatile boolean running;
    private volatile String lastError = "";
    private volatile Instant since = Instant.now();
    private volatile boolean wasConnected;
    /** Delay of the next early QueueStatus retry after one failed (0: none failed since the last success). */
    private final AtomicLong resyncRetryMs = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean resyncRetryPending = new java.util.concurrent.atomic.AtomicBoolean();
    private Thread supervisor;

    public AmiClient(AmiSettings settings, MeterRegistry registry) {
        this.settings = settings;
        // AMI reports each member's LastCall but not the queue's wrapuptime: ami.wrapup-time says it.
        int wrapup = (int) Math.min(Integer.MAX_VALUE, settings.wrapupTime().toSeconds());
        this.state = new QueueState(q -> q.equals(settings.queue()) ? wrapup : 0, () -> System.currentTimeMillis() / 1000);
        this.connection = new DefaultManagerConnection(settings.host(), settings.port(), settings.username(),
                settings.secret());
        connection.setDefaultResponseTimeout(settings.responseTimeout().toMillis());
        // With a Ping every interval, three intervals of silence mean the peer is gone: the read
        // times out, Asterisk-Java reports a disconnect and reconnects.
        connection.setSocketReadTimeout((int) Math.min(Integer.MAX_VALUE, settings.pingInterval().toMillis() * 3));
        // A changed secret must surface as an error in /ready and go through our backoff, not loop silently.
        connection.setKeepAliveAfterAuthenticationFailure(false);
        ChannelVarEvents.all().forEach(connection::registerUserEventClass);
        connection.addEventListener(new ManagerEventListener() {
            @Override
            public void onManagerEvent(ManagerEvent event) {
                onEvent(event);
            }
        });
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ami-resync-ping");
            t.setDaemon(true);
            return t;
        });
        this.eventsCounter = Counter.builder("ivr.ami.events").description("AMI events received").register(registry);
        this.resyncFailures = Counter.builder("ivr.ami.resync.failures")
                .description("QueueStatus re-reads that failed").register(registry);
        Gauge.builder("ivr.ami.connected", this, c -> c.isConnected() ? 1 : 0)
                .description("1 while logged in to Asterisk's AMI").register(registry);
        Gauge.builder("ivr.ami.callers.waiting", this, c -> c.callersWaiting(settings.queue()))
                .description("callers waiting in the agent queue").register(registry);
        Gauge.builder("ivr.ami.agents.free", this, c -> c.state.freeMembers(settings.queue()))
                .description("queue members free to take a call").register(registry);
    }

    /** Starts connecting in the background; returns at once. */
    public void start() {
        if (running) {
            return;
        }
        running = true;
        supervisor = Thread.ofPlatform().daemon().name("ami-supervisor").start(this::supervise);
        long every = settings.resyncInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::resync, every, every, TimeUnit.MILLISECONDS);
        long ping = settings.pingInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::ping, ping, ping, TimeUnit.MILLISECONDS);
    }

    /** True while logged in. The /ready endpoint reports this (see {@link #health()} for details). */
    public boolean isConnected() {
        return connection.getState() == ManagerConnectionState.CONNECTED;
    }

    public AmiHealth health() {
        boolean connected = isConnected();
        return new AmiHealth(true, connected, connection.getState().name(), since, lastError,
                Math.max(0, logins.get() - 1), state.synced(settings.queue()));
    }

    /** The live queue state (read-only use). */
    public QueueState queueState() {
        return state;
    }

    /** The queue this client re-reads with QueueStatus ({@code ami.queue}). */
    public String queue() {
        return settings.queue();
    }

    // ---- AgentAvailability (the flow) and AgentEvents -----------------------------------------

    /**
     * True when a caller entering {@code queue} now would be rung at once: more free members (logged
     * in, not paused, not on a call) than waiting callers no member is ringing for yet. False while
     * the state is unknown; see {@link #known()}.
     */
    @Override
    public boolean agentFree(String queue) {
        if (!isConnected() || !state.synced(queue)) {
            return false;
        }
        // A caller already being rung has a member; every other waiting caller, and every caller on its
        // way from intake to the queue, takes the next free one.
        return state.freeMembers(queue) > state.callersUnassigned(queue) + state.reservations(queue);
    }

    /**
     * Holds a free agent for a caller leaving intake for the queue (while it hears the transfer line),
     * so a caller arriving meanwhile is not told "agent free" and does not overtake it. Released by
     * the caller's QueueCallerJoin, by closing the returned handle, or after {@code hold}.
     */
    public Subscription reserve(String queue, String callId, Duration hold) {
        state.reserve(queue, callId, hold.toNanos());
        return () -> state.release(queue, callId);
    }

    @Override
    public void callerGone(String queue, String callId) {
        state.release(queue, callId);
    }

    @Override
    public boolean letEarlierCallersGoFirst(String queue, String callId, Duration max) {
        Set<String> ahead = new HashSet<>(state.reservedCallers(queue));
        ahead.remove(callId);
        long deadline = System.nanoTime() + max.toNanos();
        // Polled on the caller's own (virtual) thread: a reservation ends with an AMI event, and a
        // 20 ms step is small against the transfer line the callers ahead are hearing.
        while (!ahead.isEmpty()) {
            ahead.retainAll(state.reservedCallers(queue));
            if (ahead.isEmpty()) {
                break;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Logged in and the configured queue read since: answers about it can be trusted. */
    @Override
    public boolean known() {
        return isConnected() && state.synced(settings.queue());
    }

    /** Callers currently waiting in {@code queue} (0 when unknown). */
    public int callersWaiting(String queue) {
        return state.callersWaiting(queue);
    }

    @Override
    public Subscription onAgentFree(Consumer<MemberState> listener) {
        return subscribe(freeListeners, listener, "ami-agent-free");
    }

    /**
     * Called with the time when a logged-in AMI connection is lost: from then on nobody knows whether an
     * agent is free until the connection is back and the queue has been read again ({@link #known()}).
     */
    public Subscription onStateLost(Consumer<Instant> listener) {
        return subscribe(lostListeners, listener, "ami-state-lost");
    }

    @Override
    public Subscription onAgentConnect(Consumer<AgentConnect> listener) {
        return subscribe(connectListeners, listener, "ami-agent-connect");
    }

    @Override
    public Subscription onAgentComplete(Consumer<AgentComplete> listener) {
        return subscribe(completeListeners, listener, "ami-agent-complete");
    }

    private <T> Subscription subscribe(List<Listener<T>> list, Consumer<T> consumer, String name) {
        Listener<T> l = new Listener<>(consumer, name);
        list.add(l);
        return () -> {
            list.remove(l);
            l.executor.shutdownNow();
        };
    }

    /** A listener with its own thread: events reach it in order, and it cannot stall the event thread. */
    private static final class Listener<T> {
        final Consumer<T> consumer;
        final ExecutorService executor;

        Listener(Consumer<T> consumer, String name) {
            this.consumer = consumer;
            this.executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }

        void deliver(T value) {
            try {
                executor.execute(() -> {
                    try {
                        consumer.accept(value);
                    } catch (RuntimeException e) {
                        LOG.warn("AMI listener {} failed: {}", consumer.getClass().getName(), e.toString(), e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("listener closed, dropping {}", value);
            }
        }
    }

    private static <T> void deliver(List<Listener<T>> list, T value) {
        for (Listener<T> l : list) {
            l.deliver(value);
        }
    }

    // ---- CTI ---------------------------------------------------------------------------------

    /**
     * Sets a channel variable through AMI (Setvar) without waiting for the answer, for CTI systems
     * that read variables. Returns false (and logs why) when not connected.
     */
    public boolean setVariable(String channel, String name, String value) {
        if (!isConnected()) {
            LOG.warn("AMI Setvar {} skipped: not connected to Asterisk", name);
            return false;
        }
        try {
            connection.sendAction(new SetVarAction(channel, name, value), response -> {
                if (response instanceof ManagerError e) {
                    LOG.warn("AMI Setvar {} failed: {}", name, e.getMessage());
                }
            });
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("AMI Setvar {} failed: {}", name, e.toString());
            return false;
        }
    }

    /**
     * Makes Asterisk act as if the caller on {@code channel} had pressed {@code digit} (AMI
     * {@code PlayDTMF} with {@code Receive: true}, Asterisk 16 and later: the digit is queued on the
     * channel as received DTMF). The only way to end a {@code RECORD FILE} early from outside the call's
     * AGI session. Does not wait for the answer; returns false (and logs why) when it cannot be sent.
     * Asterisk's answer arrives on the AMI reader thread: a refusal is logged there with the call id
     * that was current here.
     */
    public boolean receiveKey(String channel, char digit) {
        if (!isConnected()) {
            LOG.warn("AMI PlayDTMF {} not sent: not connected to Asterisk; the caller's recording runs to its end", digit);
            return false;
        }
        AsteriskVersion version = connection.getVersion();
        if (version != null && !version.isAtLeast(AsteriskVersion.ASTERISK_16)) {
            // Before 16 PlayDTMF has no Receive: Asterisk answers Success and plays the tone into the caller's ear.
            LOG.warn("AMI PlayDTMF {} not sent: {} cannot queue a key on a channel (PlayDTMF Receive needs Asterisk 16"
                    + " or later); the caller's recording runs to its end", digit, version);
            return false;
        }
        PlayDtmfAction action = new PlayDtmfAction(channel, String.valueOf(digit));
        action.setReceive(true);
        String callId = MDC.get(CallLog.KEY);
        try {
            connection.sendAction(action, response -> {
                if (response instanceof ManagerError e) {
                    try (var scope = callId == null ? null : CallLog.callId(callId)) {
                        LOG.warn("AMI PlayDTMF {} on {} refused: {}; {}", digit, FastAgiServer.maskedChannel(channel),
                                e.getMessage(), playDtmfRefusal(e.getMessage()));
                    }
                }
            });
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("AMI PlayDTMF {} not sent: {}; the caller's recording runs to its end", digit,
                    e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
            return false;
        }
    }

    /** What a refusal of PlayDTMF means for the caller, by Asterisk's message (app_senddtmf.c, manager.c). */
    static String playDtmfRefusal(String message) {
        String m = message == null ? "" : message;
        if (m.startsWith("Channel not found")) {
            return "the caller's channel is gone (they hung up): nothing to end";
        }
        if (m.startsWith("Permission denied")) {
            return "the AMI user needs 'write = call' in manager.conf; the caller's recording runs to its end";
        }
        if (m.startsWith("Invalid/unknown command")) {
            return "Asterisk has no PlayDTMF (load app_senddtmf); the caller's recording runs to its end";
        }
        return "the caller's recording runs to its end";
    }

    // ---- connection supervision --------------------------------------------------------------

    private void supervise() {
        int failures = 0;
        while (running) {
            ManagerConnectionState s = connection.getState();
            if (s == ManagerConnectionState.INITIAL || s == ManagerConnectionState.DISCONNECTED) {
                try {
                    connection.login(settings.eventMask());
                    failures = 0;
                    continue;
                } catch (AuthenticationFailedException e) {
                    // Asterisk-Java throws the same exception when the login action gets no answer in
                    // time: that is a slow or stuck peer, not wrong credentials.
                    boolean unanswered = e.getCause() instanceof TimeoutException
                            || String.valueOf(e.getMessage()).startsWith("Unable to send login action");
                    lastError = unanswered
                            ? "Asterisk AMI at " + settings.host() + ":" + settings.port() + " did not answer the login in time ("
                                    + e.getMessage() + "): is Asterisk overloaded, or is something else listening on that port?"
                            : "login refused for AMI user '" + settings.username() + "' at " + settings.host() + ":"
                                    + settings.port() + ": check ami.username/ami.secret and manager.conf (" + e.getMessage() + ")";
                } catch (IOException | TimeoutException e) {
                    lastError = "cannot reach Asterisk AMI at " + settings.host() + ":" + settings.port()
                            + " (" + e.getMessage() + "): is Asterisk running and manager.conf enabled?";
                } catch (IllegalStateException e) {
                    lastError = "AMI connection in unexpected state: " + e.getMessage();
                }
                long delay = backoff(failures++);
                LOG.warn("AMI login failed, retrying in {} ms: {}", delay, lastError);
                pause(delay);
            } else {
                pause(1_000);   // woken early by a disconnect or close()
            }
        }
    }

    /** Exponential backoff between reconnect-min and reconnect-max, with up to 20 % jitter. */
    long backoff(int failures) {
        long min = settings.reconnectMin().toMillis();
        long max = settings.reconnectMax().toMillis();
        long base = min << Math.min(failures, 20);
        long capped = Math.min(max, base <= 0 ? max : base);
        return capped + ThreadLocalRandom.current().nextLong(capped / 5 + 1);
    }

    private void pause(long millis) {
        synchronized (supervisorSignal) {
            try {
                supervisorSignal.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private void wakeSupervisor() {
        synchronized (supervisorSignal) {
            supervisorSignal.notifyAll();
        }
    }

    // ---- events (AMI event thread: never block here) -----------------------------------------

    void onEvent(ManagerEvent event) {
        eventsCounter.increment();
        switch (event) {
            case ConnectEvent e -> connected();
            case DisconnectEvent e -> disconnected();
            case QueueMemberStatusEvent e -> member(e.getQueue(), e.getInterface(), e.getName(), e.getStatus(),
                    e.getPaused(), e.getIncall(), e.getLastCall(), e.getWrapuptime());
            case QueueMemberAddedEvent e -> member(e.getQueue(), e.getInterface(), e.getMemberName(), e.getStatus(),
                    e.getPaused(), parseInt(e.getInCall()), e.getLastCall(), e.getWrapupTime());
            case QueueMemberPauseEvent e -> member(e.getQueue(), e.getInterface(), e.getMemberName(), e.getStatus(),
                    e.getPaused(), e.getIncall(), e.getLastcall(), e.getWrapupTime());
            case QueueMemberRemovedEvent e -> state.memberRemoved(e.getQueue(), e.getInterface());
            case QueueCallerJoinEvent e -> state.callerJoined(new WaitingCaller(e.getQueue(), e.getUniqueId(),
                    e.getChannel(), e.getCallerIdNum(), e.getPosition() == null ? Integer.MAX_VALUE : e.getPosition(),
                    Instant.now(), false));
            case AgentCalledEvent e -> state.callerRinging(e.getQueue(), e.getUniqueId(), true);
            case AgentRingNoAnswerEvent e -> state.callerRinging(e.getQueue(), e.getUniqueId(), false);
            case QueueCallerLeaveEvent e -> state.callerLeft(e.getQueue(), e.getUniqueId());
            case AgentConnectEvent e -> agentConnect(e);
            case AgentCompleteEvent e -> agentComplete(e);
            default -> {
                // Everything else (including QueueMember/QueueEntry list items, handled by resync) is not ours.
            }
        }
    }

    private void connected() {
        logins.incrementAndGet();
        lastError = "";
        since = Instant.now();
        wasConnected = true;
        LOG.info("AMI logged in to {}:{} as {}", settings.host(), settings.port(), settings.username());
        scheduler.execute(this::resync);
    }

    private void disconnected() {
        state.clear();
        if (wasConnected) {
            since = Instant.now();
            wasConnected = false;
            deliver(lostListeners, since);
        }
        lastError = "connection to Asterisk AMI at " + settings.host() + ":" + settings.port() + " lost; reconnecting";
        LOG.warn(lastError);
        wakeSupervisor();
    }

    private void member(String queue, String iface, String name, Integer status, Boolean paused, Integer inCall,
            Long lastCall, Integer wrapup) {
        if (queue == null || iface == null) {
            return;
        }
        Optional<MemberState> freed = state.member(new MemberState(queue, iface, name == null ? iface : name,
                status == null ? MemberState.UNKNOWN : status, Boolean.TRUE.equals(paused),
                inCall != null && inCall != 0, lastCall == null ? 0 : lastCall, wrapup == null ? 0 : wrapup));
        freed.ifPresent(m -> deliver(freeListeners, m));
        state.member(queue, iface).ifPresent(this::whenWrapupEnds);
    }

    /**
     * A member that is free but still in its wrap-up is not rung by app_queue (can_ring_entry) and no
     * event marks the end of the wrap-up: this timer reports it free then.
     */
    private void whenWrapupEnds(MemberState m) {
        long end = state.wrapupEndsAt(m);
        if (!m.free() || end == 0) {
            return;
        }
        long delay = end * 1000 - System.currentTimeMillis();
        if (delay <= 0) {
            return;
        }
        try {
            scheduler.schedule(() -> wrapupEnded(m.queue(), m.iface(), end), delay + 20, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("closing: no wrap-up timer for {}", m.iface());
        }
    }

    private void wrapupEnded(String queue, String iface, long end) {
        state.member(queue, iface)
                .filter(m -> state.wrapupEndsAt(m) == end && state.available(m))
                .ifPresent(m -> {
                    LOG.debug("queue member {} ({}) free after its wrap-up", m.name(), m.iface());
                    deliver(freeListeners, m);
                });
    }

    private void agentConnect(AgentConnectEvent e) {
        long received = System.nanoTime();
        AgentConnect c = new AgentConnect(e.getQueue(), e.getUniqueId(), e.getChannel(), e.getCallerIdNum(),
                e.getInterface(), e.getMemberName(), e.getDestChannel(), seconds(e.getHoldTime()),
                seconds(e.getRingtime()), Instant.now(), received);
        state.inCall(e.getQueue(), e.getInterface(), true);
        try (var ignored = CallLog.callId(c.callId())) {
            LOG.info("agent {} ({}) answered in queue {} after {} s", c.memberName(), c.memberIface(), c.queue(),
                    c.holdTime().toSeconds());
        }
        deliver(connectListeners, c);
    }

    private void agentComplete(AgentCompleteEvent e) {
        AgentComplete c = new AgentComplete(e.getQueue(), e.getUniqueId(), e.getInterface(), e.getMemberName(),
                seconds(e.getHoldTime()), seconds(e.getTalkTime()), e.getReason() == null ? "" : e.getReason());
        state.callEnded(e.getQueue(), e.getInterface()).ifPresent(m -> deliver(freeListeners, m));
        state.member(e.getQueue(), e.getInterface()).ifPresent(this::whenWrapupEnds);
        deliver(completeListeners, c);
    }

    private static Duration seconds(Long value) {
        return Duration.ofSeconds(value == null ? 0 : value);
    }

    private static Integer parseInt(String value) {
        try {
            return value == null ? null : Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---- QueueStatus re-read -----------------------------------------------------------------

    /** Keeps data flowing so a dead peer is noticed by the socket read timeout; never waits for the answer. */
    private void ping() {
        if (isConnected()) {
            try {
                connection.sendAction(new PingAction(), null);
            } catch (IOException | RuntimeException e) {
                LOG.debug("AMI Ping not sent: {}", e.toString());
            }
        }
    }

    /** Sends QueueStatus; the answer is applied on the event thread, in stream order with the events. */
    void resync() {
        if (!isConnected()) {
            return;
        }
        QueueStatusAction action = new QueueStatusAction();
        action.setQueue(settings.queue());
        try {
            connection.sendEventGeneratingAction(action, this::applyStatus);
        } catch (IOException | RuntimeException e) {
            resyncFailures.increment();
            LOG.warn("QueueStatus for {} not sent: {}", settings.queue(), e.toString());
            retryResyncSoon();
        }
    }

    /**
     * A QueueStatus that failed is asked again after 1 s, 2 s, 4 s ... (at most the resync interval),
     * not only at the next periodic resync. Right after an Asterisk restart the connection is up before
     * app_queue is loaded (AMI listens early in the boot; FullyBooted, which says the boot is over,
     * reaches only users that read 'system', manager.c action_login): QueueStatus is then an unknown
     * command, and waiting the full interval would leave the queue state unknown (no intake) that long.
     */
    private void retryResyncSoon() {
        long delay = resyncRetryMs.updateAndGet(d -> d == 0 ? 1_000 : Math.min(d * 2, settings.resyncInterval().toMillis()));
        if (!resyncRetryPending.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(() -> {
                resyncRetryPending.set(false);
                resync();
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            resyncRetryPending.set(false);   // closing
        }
    }

    private void applyStatus(ResponseEvents events) {
        if (events.getResponse() instanceof ManagerError e) {
            resyncFailures.increment();
            LOG.warn("QueueStatus for {} refused: {}", settings.queue(), e.getMessage());
            retryResyncSoon();
            return;
        }
        boolean complete = events.getEvents().stream()
                .anyMatch(e -> e instanceof org.asteriskjava.manager.event.QueueStatusCompleteEvent);
        if (!complete) {
            resyncFailures.increment();
            return;   // cut short by a disconnect: the next login reads the queue again
        }
        boolean queueExists = events.getEvents().stream()
                .anyMatch(e -> e instanceof QueueParamsEvent p && settings.queue().equals(p.getQueue()));
        if (!queueExists) {
            // A misspelt queue would otherwise look like a queue with no agents, forever.
            lastError = "Asterisk has no queue '" + settings.queue() + "': check ami.queue against queues.conf";
            LOG.warn(lastError);
            retryResyncSoon();   // or app_queue is still reading queues.conf after a restart
            return;
        }
        resyncRetryMs.set(0);
        if (lastError.startsWith("Asterisk has no queue")) {
            lastError = "";
        }
        List<MemberState> members = new ArrayList<>();
        List<WaitingCaller> callers = new ArrayList<>();
        Instant now = Instant.now();
        for (ResponseEvent e : events.getEvents()) {
            if (e instanceof QueueMemberEvent m && !(e instanceof QueueMemberStatusEvent)
                    && settings.queue().equals(m.getQueue())) {
                // QueueStatus still says Location/Name; Asterisk-Java maps Location and Interface to one field.
                String iface = m.getInterface();
                String name = m.getName();
                members.add(new MemberState(m.getQueue(), iface, name == null ? iface : name,
                        m.getStatus() == null ? MemberState.UNKNOWN : m.getStatus(),
                        Boolean.TRUE.equals(m.getPaused()), m.getIncall() != null && m.getIncall() != 0,
                        m.getLastCall() == null ? 0 : m.getLastCall(), m.getWrapuptime() == null ? 0 : m.getWrapuptime()));
            } else if (e instanceof QueueEntryEvent q && settings.queue().equals(q.getQueue())) {
                Long wait = q.getWait();
                callers.add(new WaitingCaller(q.getQueue(), q.getUniqueId(), q.getChannel(), q.getCallerIdNum(),
                        q.getPosition() == null ? callers.size() + 1 : q.getPosition(),
                        now.minusSeconds(wait == null ? 0 : wait), false));
            }
        }
        for (MemberState freed : state.replace(settings.queue(), members, callers)) {
            deliver(freeListeners, freed);
        }
        members.forEach(this::whenWrapupEnds);
        LOG.debug("QueueStatus {}: {} members ({} free), {} waiting", settings.queue(), members.size(),
                state.freeMembers(settings.queue()), callers.size());
    }

    @Override
    public void close() {
        running = false;
        wakeSupervisor();
        scheduler.shutdownNow();
        ManagerConnectionState s = connection.getState();
        if (s == ManagerConnectionState.CONNECTED || s == ManagerConnectionState.RECONNECTING) {
            try {
                connection.logoff();
            } catch (RuntimeException e) {
                LOG.debug("AMI logoff: {}", e.toString());
            }
        }
        if (supervisor != null) {
            try {
                supervisor.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (List<? extends Listener<?>> list : List.of(freeListeners, lostListeners, connectListeners, completeListeners)) {
            list.forEach(l -> l.executor.shutdownNow());
        }
        state.clear();
    }
}
