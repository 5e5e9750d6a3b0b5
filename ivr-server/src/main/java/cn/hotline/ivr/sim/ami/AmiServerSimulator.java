package cn.hotline.ivr.sim.ami;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays Asterisk's Manager Interface (AMI 11.0.0, Asterisk 22.10.1) over real TCP, with one agent
 * queue, so the whole journey — arrival, queue, agent answer, screen pop — runs on one machine.
 *
 * <p>Speaks what the IVR server and Asterisk-Java use: the banner, plain and MD5-challenge
 * {@code Login} (a wrong secret is answered after a delay and the socket closed, like Asterisk),
 * {@code Events}, {@code Ping}, {@code CoreSettings}, {@code QueueStatus}, {@code QueueSummary},
 * {@code QueuePause}, {@code Getvar}/{@code Setvar}, {@code UserEvent}, {@code Logoff}. Queue events
 * carry the real header names in the real order (checked against the captured transcripts).
 * Callers enter through {@link #callerJoins}; agents answer after the ring time and hang up after the
 * talk time.
 */
public final class AmiServerSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AmiServerSimulator.class);
    private static final String BANNER = "Asterisk Call Manager/11.0.0\r\n";
    private static final int MAX_HEADERS = 256;
    /** Queued after a last message: the writer sends everything before it, then hangs up. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String HANG_UP = new String("hang-up");

    private final AmiSimulatorConfig config;
    private final ServerSocket server;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService timers;
    private final SimQueue queue;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final Map<String, String> globals = new LinkedHashMap<>();
    /** Actions answered with "Permission denied" (the AMI user's write classes lack their authority). */
    private final List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Every event class manager.c knows (perms[] in manager.c); "all" in read/write stands for these. */
    private static final Set<String> ALL_CLASSES = Set.of("system", "call", "log", "verbose", "command", "agent",
            "user", "config", "dtmf", "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test",
            "security", "message");

    /**
     * The write classes each action the simulator knows needs, any one of them being enough (the
     * authority it is registered with: manager.c __init_manager, app_queue.c load_module,
     * app_senddtmf.c load_module). Empty: no class needed. manager.c process_message answers
     * "Permission denied" when {@code writeperm & authority} is 0 for a non-zero authority.
     */
    private static final Map<String, Set<String>> ACTION_AUTHORITY = Map.ofEntries(
            Map.entry("login", Set.of()), Map.entry("challenge", Set.of()), Map.entry("logoff", Set.of()),
            Map.entry("ping", Set.of()), Map.entry("events", Set.of()),
            Map.entry("coresettings", Set.of("system", "reporting")),
            Map.entry("command", Set.of("command")),
            Map.entry("getvar", Set.of("call", "reporting")),
            Map.entry("setvar", Set.of("call")),
            Map.entry("userevent", Set.of("user")),
            Map.entry("queuestatus", Set.of()), Map.entry("queuesummary", Set.of()),
            Map.entry("queuepause", Set.of("agent")),
            Map.entry("playdtmf", Set.of("call")));

    /** manager.c get_perm: a comma list of class names, "all" for every class. */
    public static Set<String> classes(String list) {
        Set<String> out = new java.util.HashSet<>();
        for (String c : list.toLowerCase(Locale.ROOT).split(",")) {
            String name = c.strip();
            if (name.equals("all")) {
                out.addAll(ALL_CLASSES);
            } else if (ALL_CLASSES.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /**
     * Whether an AMI user with these write classes may run {@code action}; empty for an action the
     * simulator does not know.
     */
    public static Optional<Boolean> actionPermitted(String action, String writeClasses) {
        Set<String> authority = ACTION_AUTHORITY.get(action.toLowerCase(Locale.ROOT));
        if (authority == null) {
            return Optional.empty();
        }
        return Optional.of(authority.isEmpty() || authority.stream().anyMatch(classes(writeClasses)::contains));
    }
    /** What CoreSettings reports; actions behave as in that version where versions differ (PlayDTMF Receive). */
    private volatile String asteriskVersion = "22.10.1";
    /** System.nanoTime() from when app_queue's actions exist (see {@link #restart}). */
    private volatile long appQueueLoadedAt = System.nanoTime();
    /** Channels outside the queue (a call still in its AGI script), by name: where received DTMF goes. */
    private final Map<String, Live> liveChannels = new ConcurrentHashMap<>();

    /** A channel in its AGI script: where a received digit goes, and whether the caller is still there. */
    private record Live(java.util.function.Consumer<Character> receivedDtmf, java.util.function.BooleanSupplier up) {
    }
    private final AtomicLong uniqueSeq = new AtomicLong();
    private final AtomicLong channelSeq = new AtomicLong();
    private final long startEpoch = System.currentTimeMillis() / 1000;
    private final long startNanos = System.nanoTime();
    private volatile boolean closed;

    private AmiServerSimulator(AmiSimulatorConfig config, ServerSocket server) {
        this.config = config;
        this.server = server;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ami-sim-timer");
            t.setDaemon(true);
            return t;
        });
        SimQueue.Ids ids = new SimQueue.Ids() {
            @Override
            public String uniqueid() {
                return newUniqueid();
            }

            @Override
            public String channelSuffix() {
                return String.format("%08x", channelSeq.getAndIncrement());
            }

            @Override
            public long epochSeconds() {
                return epochNow();
            }
        };
        this.queue = new SimQueue(config.queue(), this::broadcast, timers, System::nanoTime, ids,
                config.ringTime(), config.talkTime(), this::locked);
        config.members().forEach(m -> queue.addMember(m.iface(), m.name()));
    }

    /** Binds (port 0 picks a free port) and starts accepting AMI clients. */
    public static AmiServerSimulator start(AmiSimulatorConfig config, InetSocketAddress bind) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(bind);
        AmiServerSimulator sim = new AmiServerSimulator(config, socket);
        Thread.ofPlatform().daemon().name("ami-sim-accept").start(sim::acceptLoop);
        LOG.info("AMI simulator listening on {} (queue {}, {} members)", socket.getLocalSocketAddress(),
                config.queue(), config.members().size());
        return sim;
    }

    public int port() {
        return server.getLocalPort();
    }

    public String queueName() {
        return config.queue();
    }

    // ---- the API for tests, demo and benchmarks ---------------------------------------------

    /** A fresh Asterisk-style unique id ({@code <epoch>.<seq>}), e.g. for a simulated AGI call. */
    public String newUniqueid() {
        return epochNow() + "." + uniqueSeq.getAndIncrement();
    }

    /**
     * A caller channel enters Queue() with QUEUE_PRIO {@code prio}: QueueCallerJoin, and a free member
     * rings at once (AgentCalled), answers after the ring time (QueueCallerLeave, AgentConnect with the
     * caller's Uniqueid) and hangs up after the talk time (AgentComplete).
     */
    public void callerJoins(String uniqueid, String channel, String callerIdNum, int prio) {
        locked(() -> queue.join(uniqueid, channel, callerIdNum, prio));
    }

    /**
     * A caller with a fresh Uniqueid on a Local channel named as Asterisk names them
     * ({@code Local/<number>@queue-callers-<seq>;2}) joins the queue; returns the Uniqueid.
     */
    public String callerArrives(String number, int prio) {
        String uniqueid = newUniqueid();
        callerJoins(uniqueid, "Local/" + number + "@queue-callers-" + String.format("%08x", channelSeq.getAndIncrement())
                + ";2", number, prio);
        return uniqueid;
    }

    /** The caller hangs up: QueueCallerAbandon + QueueCallerLeave while waiting, AgentComplete while talking. */
    public boolean callerHangsUp(String uniqueid) {
        return lockedGet(() -> queue.hangUp(uniqueid));
    }

    /** The agent on {@code iface} ends the call (AgentComplete, Reason agent); false when not talking. */
    public boolean agentHangsUp(String iface) {
        return lockedGet(() -> queue.agentHangsUp(iface));
    }

    /** QueuePause from outside (a supervisor's console): QueueMemberPause; false for an unknown member. */
    public boolean pause(String iface, boolean paused, String reason) {
        return lockedGet(() -> {
            Optional<SimQueue.Member> m = queue.member(iface);
            m.ifPresent(member -> queue.pause(member, paused, reason));
            return m.isPresent();
        });
    }

    /**
     * Whether the member answers when rung. One that does not rings for the no-answer timeout, then
     * Asterisk reports AgentRingNoAnswer and tries the next member after the retry pause.
     */
    public boolean memberAnswers(String iface, boolean answers) {
        return lockedGet(() -> {
            Optional<SimQueue.Member> m = queue.member(iface);
            m.ifPresent(member -> member.answers = answers);
            return m.isPresent();
        });
    }

    /** manager.conf {@code channelvars}: these variables appear as ChanVariable/DestChanVariable on channel events. */
    public void channelVars(List<String> names) {
        locked(() -> queue.channelVars(names));
    }

    /** The queue's {@code wrapuptime}: a member is rung again only this long after its last call ended. */
    public void wrapupTime(Duration wrapup) {
        locked(() -> queue.wrapup(wrapup));
    }

    /** The queue's {@code timeout} (ring one member at most this long) and {@code retry} pause. */
    public void noAnswerTiming(Duration timeout, Duration retry) {
        locked(() -> queue.noAnswerTiming(timeout, retry));
    }

    /**
     * Spreads talk times so agents free up at different moments, as real agents do: each call lasts
     * talk × [1 − variation, 1 + variation], drawn from a seeded generator (repeatable runs).
     */
    public void talkVariation(double variation, long seed) {
        if (variation < 0 || variation >= 1) {
            throw new IllegalArgumentException("talk variation must be in [0, 1), got " + variation);
        }
        locked(() -> queue.talkVariation(variation, seed));
    }

    /** A channel registered with {@link #liveChannel}; closing it is the channel's hang-up. */
    public interface LiveChannel extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * A channel exists outside the queue (a call in its AGI script) until the returned handle is
     * closed: {@code PlayDTMF} with {@code Receive: true} on it hands the digit to {@code receivedDtmf},
     * as Asterisk queues it on the channel for whatever application reads it (RECORD FILE stops on it).
     */
    public LiveChannel liveChannel(String channel, java.util.function.Consumer<Character> receivedDtmf) {
        return liveChannel(channel, receivedDtmf, () -> true);
    }

    /**
     * As {@link #liveChannel(String, java.util.function.Consumer)}, for a caller who may hang up before the
     * handle is closed: once {@code up} is false the channel is gone ({@code Channel not found}), as in
     * Asterisk, where it is destroyed at the hang-up while the AGI server may still be finishing.
     */
    public LiveChannel liveChannel(String channel, java.util.function.Consumer<Character> receivedDtmf,
            java.util.function.BooleanSupplier up) {
        Live live = new Live(receivedDtmf, up);
        liveChannels.put(channel, live);
        return () -> liveChannels.remove(channel, live);
    }

    /**
     * Plays an older (or newer) Asterisk from now on: CoreSettings reports {@code version}, and before 16
     * PlayDTMF knows no {@code Receive} (it sends the digit to the caller's phone, answering Success).
     */
    public void asteriskVersion(String version) {
        this.asteriskVersion = version;
    }

    private boolean receiveSupported() {
        try {
            return Integer.parseInt(asteriskVersion.split("[.-]", 2)[0]) >= 16;
        } catch (NumberFormatException e) {
            return true; // GIT-master and the like
        }
    }

    /** Changes ring and talk time for calls rung from now on. */
    public void timing(Duration ring, Duration talk) {
        locked(() -> queue.timing(ring, talk));
    }

    /** A channel variable on a caller in the queue (what the AGI set before Queue()), for Getvar. */
    public void setChannelVariable(String uniqueid, String name, String value) {
        locked(() -> queue.caller(uniqueid).ifPresent(c -> c.variables.put(name, value)));
    }

    /** A variable on a caller channel still in the queue or talking; empty when unset or unknown. */
    public Optional<String> channelVariable(String uniqueid, String name) {
        return lockedGet(() -> queue.caller(uniqueid).map(c -> c.variables.get(name)));
    }

    /** Totals since start. */
    public record Stats(int joined, int answered, int completed, int abandoned, int waiting, int freeMembers) {
    }

    public Stats stats() {
        return lockedGet(() -> {
            int[] c = queue.counts();
            return new Stats(c[0], c[1], c[2], c[3], queue.waiting().size(),
                    (int) queue.members().stream().filter(queue::available).count());
        });
    }

    public int callersWaiting() {
        return lockedGet(() -> queue.waiting().size());
    }

    public int freeMembers() {
        return lockedGet(() -> (int) queue.members().stream().filter(queue::available).count());
    }

    /** Actions refused with "Permission denied" since start, by name, in order. */
    public List<String> refusedActions() {
        return List.copyOf(refused);
    }

    /** Logged-in AMI sessions. */
    public int connections() {
        return (int) sessions.stream().filter(s -> s.authenticated).count();
    }

    /**
     * Current connections go silent without closing (a hung Asterisk, or a network that drops
     * packets): nothing is answered or sent on them. New connections work normally.
     */
    public void stallConnections() {
        sessions.forEach(s -> s.stalled = true);
    }

    /**
     * Asterisk restarts: every connection drops, new ones are accepted at once, and for
     * {@code appQueueLoading} app_queue is not loaded yet, so its actions are unknown commands (AMI
     * listens early in Asterisk's boot, before the modules are loaded).
     */
    public void restart(Duration appQueueLoading) {
        appQueueLoadedAt = System.nanoTime() + appQueueLoading.toNanos();
        dropConnections();
    }

    private boolean appQueueLoaded() {
        return System.nanoTime() - appQueueLoadedAt >= 0;
    }

    /** Drops every client connection (as an Asterisk restart would), to exercise reconnects. */
    public void dropConnections() {
        for (Session s : List.copyOf(sessions)) {
            s.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing AMI simulator socket: {}", e.toString());
        }
        dropConnections();
        timers.shutdownNow();
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private long epochNow() {
        return startEpoch + (System.nanoTime() - startNanos) / 1_000_000_000L;
    }

    private void locked(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    private <T> T lockedGet(Supplier<T> s) {
        lock.lock();
        try {
            return s.get();
        } finally {
            lock.unlock();
        }
    }

    private void broadcast(String eventClass, AmiMessage event) {
        for (Session s : sessions) {
            if (s.authenticated && s.mayRead(eventClass) && s.wants(eventClass)) {
                s.send(event.toWire());
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                Session s = new Session(socket);
                sessions.add(s);
                Thread.ofVirtual().name("ami-sim-session").start(s::run);
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("AMI simulator accept failed: {}", e.toString());
                }
            }
        }
    }

    /** One AMI client connection: a reader (this thread) and a writer draining an outbound queue. */
    private final class Session {
        private final Socket socket;
        private final LinkedBlockingQueue<String> outbound = new LinkedBlockingQueue<>();
        private volatile boolean authenticated;
        private volatile String eventMask = "on";
        private volatile boolean open = true;
        private volatile boolean stalled;
        private String challenge;

        Session(Socket socket) {
            this.socket = socket;
        }

        /** manager.c process_events: an event goes out only if its class is in the user's read classes. */
        boolean mayRead(String eventClass) {
            return classes(config.read()).contains(eventClass);
        }

        boolean wants(String eventClass) {
            String mask = eventMask.toLowerCase(Locale.ROOT);
            if (mask.equals("on") || mask.equals("all")) {
                return true;
            }
            if (mask.equals("off")) {
                return false;
            }
            for (String c : mask.split(",")) {
                if (c.strip().equals(eventClass)) {
                    return true;
                }
            }
            return false;
        }

        void send(String wire) {
            if (open && !stalled) {
                outbound.add(wire);
            }
        }

        /** Sends what is queued, then closes (Logoff, failed login). */
        void hangUpAfterSending() {
            sessions.remove(this);
            outbound.add(HANG_UP);
        }

        void close() {
            open = false;
            sessions.remove(this);
            outbound.add(HANG_UP);   // wakes the writer
            try {
                socket.close();
            } catch (IOException e) {
                LOG.debug("closing AMI session: {}", e.toString());
            }
        }

        void run() {
            Thread.ofVirtual().name("ami-sim-writer").start(this::writeLoop);
            send(BANNER);
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
                while (open) {
                    Optional<AmiMessage> m = AmiMessage.read(in, MAX_HEADERS);
                    if (m.isEmpty()) {
                        break;
                    }
                    handle(m.get());
                }
            } catch (SocketException e) {
                LOG.debug("AMI session closed: {}", e.toString());
            } catch (IOException e) {
                LOG.warn("AMI session failed: {}", e.toString());
            } finally {
                close();
            }
        }

        private void writeLoop() {
            try {
                OutputStream out = socket.getOutputStream();
                while (true) {
                    String wire = outbound.take();
                    if (wire == HANG_UP) {
                        out.flush();
                        close();
                        return;
                    }
                    out.write(wire.getBytes(StandardCharsets.UTF_8));
                    if (outbound.isEmpty()) {
                        out.flush();
                    }
                }
            } catch (IOException | InterruptedException e) {
                LOG.debug("AMI session writer stopped: {}", e.toString());
            }
        }

        private void handle(AmiMessage m) {
            if (stalled) {
                return;
            }
            String action = m.getOr("Action", "");
            String id = m.get("ActionID").orElse(null);
            String lower = action.toLowerCase(Locale.ROOT);
            if (!authenticated && !Set.of("login", "logoff", "challenge").contains(lower)) {
                error(id, "Permission denied");
                return;
            }
            if (lower.startsWith("queue") && !appQueueLoaded()) {
                error(id, "Invalid/unknown command: " + action + ". Use Action: ListCommands to show available commands.");
                return;
            }
            if (!actionPermitted(lower, config.write()).orElse(true)) {
                refused.add(action);
                error(id, "Permission denied");
                return;
            }
            switch (lower) {
                case "login" -> login(m, id);
                case "challenge" -> challenge(m, id);
                case "logoff" -> {
                    send(AmiMessage.builder().add("Response", "Goodbye").actionId(id)
                            .add("Message", "Thanks for all the fish.").build().toWire());
                    hangUpAfterSending();
                }
                case "events" -> events(m, id);
                case "ping" -> send(AmiMessage.builder().add("Response", "Success").actionId(id)
                        .add("Ping", "Pong").add("Timestamp", String.format(Locale.ROOT, "%d.%06d",
                                System.currentTimeMillis() / 1000, (System.nanoTime() / 1000) % 1_000_000))
                        .build().toWire());
                case "coresettings" -> send(AmiMessage.builder().add("Response", "Success").actionId(id)
                        .add("AMIversion", "11.0.0").add("AsteriskVersion", asteriskVersion).add("SystemName", "")
                        .add("CoreMaxCalls", 0).add("CoreMaxLoadAvg", "0.000000").add("CoreRunUser", "")
                        .add("CoreRunGroup", "").add("CoreMaxFilehandles", 0).add("CoreRealTimeEnabled", "No")
                        .add("CoreCDRenabled", "Yes").add("CoreHTTPenabled", "No")
                        .add("SoundsSearchCustomDir", "No").build().toWire());
                case "queuestatus" -> queueStatus(m, id);
                case "queuesummary" -> queueSummary(m, id);
                case "queuepause" -> queuePause(m, id);
                case "getvar" -> getvar(m, id);
                case "setvar" -> setvar(m, id);
                case "userevent" -> userEvent(m, id);
                case "playdtmf" -> playDtmf(m, id);
                case "command" -> command(m, id);
                default -> error(id, "Invalid/unknown command: " + action
                        + ". Use Action: ListCommands to show available commands.");
            }
        }

        private void error(String id, String message) {
            send(AmiMessage.builder().add("Response", "Error").actionId(id).add("Message", message).build().toWire());
        }

        private void success(String id, String message) {
            send(AmiMessage.builder().add("Response", "Success").actionId(id).add("Message", message).build().toWire());
        }

        private void challenge(AmiMessage m, String id) {
            if (!m.getOr("AuthType", "").equalsIgnoreCase("md5")) {
                error(id, "Must specify AuthType");
                return;
            }
            if (challenge == null) {
                challenge = String.valueOf(ThreadLocalRandom.current().nextLong(100_000_000L, 999_999_999L));
            }
            send(AmiMessage.builder().add("Response", "Success").actionId(id).add("Challenge", challenge)
                    .build().toWire());
        }

        private void login(AmiMessage m, String id) {
            boolean ok = config.username().equals(m.getOr("Username", ""));
            if (ok && m.getOr("AuthType", "").equalsIgnoreCase("md5")) {
                ok = challenge != null && md5(challenge + config.secret()).equalsIgnoreCase(m.getOr("Key", ""));
            } else if (ok) {
                ok = config.secret().equals(m.getOr("Secret", ""));
            }
            if (!ok) {
                // Asterisk answers a failed login only after a pause, then hangs up (transcript 1).
                timers.schedule(() -> {
                    error(id, "Authentication failed");
                    hangUpAfterSending();
                }, config.badLoginDelay().toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            m.get("Events").ifPresent(mask -> eventMask = mask);
            success(id, "Authentication accepted");
            authenticated = true;
            // manager.c action_login: only to a session that reads and asked for the system class.
            if (wants("system") && mayRead("system")) {
                long up = epochNow() - startEpoch;
                send(AmiMessage.builder().add("Event", "FullyBooted").add("Privilege", "system,all")
                        .add("Uptime", up).add("LastReload", up).add("Status", "Fully Booted").build().toWire());
            }
        }

        /** Only {@code core show version}, in Asterisk 22's form (what Asterisk-Java asks without CoreSettings). */
        private void command(AmiMessage m, String id) {
            String command = m.getOr("Command", "").strip();
            if (command.equals("core show version")) {
                send(AmiMessage.builder().add("Response", "Success").actionId(id)
                        .add("Message", "Command output follows")
                        .add("Output", "Asterisk " + asteriskVersion + " built by sim @ localhost on a x86_64 running Linux")
                        .build().toWire());
                return;
            }
            String first = command.isEmpty() ? "" : command.split("\\s+")[0];
            send(AmiMessage.builder().add("Response", "Error").actionId(id).add("Message", "Command output follows")
                    .add("Output", "No such command '" + command + "' (type 'core show help " + first
                            + "' for other possible commands)").build().toWire());
        }

        private void events(AmiMessage m, String id) {
            String mask = m.getOr("EventMask", "off");
            eventMask = mask;
            send(AmiMessage.builder().add("Response", "Success").actionId(id)
                    .add("Events", mask.equalsIgnoreCase("off") ? "Off" : "On").build().toWire());
        }

        private void queueStatus(AmiMessage m, String id) {
            String wanted = m.get("Queue").filter(q -> !q.isEmpty()).orElse(null);
            String member = m.get("Member").filter(q -> !q.isEmpty()).orElse(null);
            // Built and queued under the lock: no event can slip between the list and what it describes.
            locked(() -> {
                StringBuilder wire = new StringBuilder();
                wire.append(AmiMessage.builder().add("Response", "Success").actionId(id).add("EventList", "start")
                        .add("Message", "Queue status will follow").build().toWire());
                List<AmiMessage> items = wanted == null || wanted.equals(queue.name)
                        ? queue.status(id, member) : List.of();
                items.forEach(item -> wire.append(item.toWire()));
                wire.append(complete("QueueStatusComplete", id, items.size()).toWire());
                send(wire.toString());
            });
        }

        private void queueSummary(AmiMessage m, String id) {
            String wanted = m.get("Queue").filter(q -> !q.isEmpty()).orElse(null);
            locked(() -> {
                StringBuilder wire = new StringBuilder();
                wire.append(AmiMessage.builder().add("Response", "Success").actionId(id).add("EventList", "start")
                        .add("Message", "Queue summary will follow").build().toWire());
                int n = 0;
                if (wanted == null || wanted.equals(queue.name)) {
                    wire.append(queue.summary(id).toWire());
                    n = 1;
                }
                wire.append(complete("QueueSummaryComplete", id, n).toWire());
                send(wire.toString());
            });
        }

        private AmiMessage complete(String event, String id, int items) {
            return AmiMessage.builder().add("Event", event).actionId(id).add("EventList", "Complete")
                    .add("ListItems", items).build();
        }

        private void queuePause(AmiMessage m, String id) {
            String iface = m.getOr("Interface", "");
            String q = m.getOr("Queue", "");
            boolean paused = Set.of("true", "yes", "1", "on").contains(m.getOr("Paused", "").toLowerCase(Locale.ROOT));
            if (!q.isEmpty() && !q.equals(queue.name)) {
                error(id, "Interface not found");
                return;
            }
            // The response leaves before the event, as in the transcript.
            locked(() -> {
                Optional<SimQueue.Member> member = queue.member(iface);
                if (member.isEmpty()) {
                    error(id, "Interface not found");
                    return;
                }
                success(id, paused ? "Interface paused successfully" : "Interface unpaused successfully");
                queue.pause(member.get(), paused, m.getOr("Reason", ""));
            });
        }

        /** As app_senddtmf.c's manager_play_dtmf: the channel first, then the digit, then the duration. */
        private void playDtmf(AmiMessage m, String id) {
            String channel = m.getOr("Channel", "");
            Live live = liveChannels.get(channel);
            if (live != null && !live.up().getAsBoolean()) {
                live = null;
            }
            boolean queued = lockedGet(() -> queue.caller(channel).isPresent());
            if (live == null && !queued) {
                error(id, "Channel not found");
                return;
            }
            String digit = m.getOr("Digit", "");
            if (digit.isEmpty()) {
                error(id, "No digit specified");
                return;
            }
            String duration = m.getOr("Duration", "");
            // sscanf("%30u"): blanks, a sign and digits up front are enough ("100ms" is 100); "-1" wraps around.
            if (!duration.isEmpty() && !duration.matches("(?s)\\s*[+-]?[0-9].*")) {
                error(id, "Could not convert Duration parameter");
                return;
            }
            if (live != null && receiveSupported() && isTrue(m.getOr("Receive", ""))) {
                live.receivedDtmf().accept(digit.charAt(0));
            } // else: played to the caller's phone (ast_senddigit_external); nothing the channel reads
            success(id, "DTMF successfully queued");
        }

        /** Asterisk's ast_true: yes, true, y, t, 1, on (any case). */
        private static boolean isTrue(String s) {
            return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "yes", "true", "y", "t", "1", "on" -> true;
                default -> false;
            };
        }

        private void getvar(AmiMessage m, String id) {
            String variable = m.getOr("Variable", "");
            String channel = m.get("Channel").filter(c -> !c.isEmpty()).orElse(null);
            String value;
            if (channel == null) {
                value = lockedGet(() -> globals.getOrDefault(variable, ""));
            } else {
                Optional<String> found = lockedGet(() -> queue.caller(channel)
                        .map(c -> c.variables.getOrDefault(variable, "")));
                if (found.isEmpty()) {
                    error(id, "No such channel");
                    return;
                }
                value = found.get();
            }
            send(AmiMessage.builder().add("Response", "Success").actionId(id).add("Variable", variable)
                    .add("Value", value).build().toWire());
        }

        private void setvar(AmiMessage m, String id) {
            String variable = m.getOr("Variable", "");
            String value = m.getOr("Value", "");
            String channel = m.get("Channel").filter(c -> !c.isEmpty()).orElse(null);
            locked(() -> {
                if (channel == null) {
                    globals.put(variable, value);
                    success(id, "Variable Set");
                    broadcast("dialplan", AmiMessage.builder().add("Event", "VarSet")
                            .add("Privilege", "dialplan,all").add("Channel", "none").add("Uniqueid", "none")
                            .add("Variable", variable).add("Value", value).build());
                    return;
                }
                Optional<SimQueue.Caller> c = queue.caller(channel);
                if (c.isEmpty()) {
                    error(id, "No such channel");
                    return;
                }
                c.get().variables.put(variable, value);
                success(id, "Variable Set");
                AmiMessage.Builder b = queue.block("VarSet", c.get(), c.get().channel);
                List<Map.Entry<String, String>> headers = new java.util.ArrayList<>(b.build().headers());
                headers.set(1, Map.entry("Privilege", "dialplan,all"));
                headers.add(Map.entry("Variable", variable));
                headers.add(Map.entry("Value", value));
                broadcast("dialplan", new AmiMessage(headers));
            });
        }

        private void userEvent(AmiMessage m, String id) {
            success(id, "Event Sent");
            AmiMessage.Builder b = AmiMessage.builder().add("Event", "UserEvent").add("Privilege", "user,all")
                    .add("UserEvent", m.getOr("UserEvent", "")).actionId(id);
            for (Map.Entry<String, String> h : m.headers()) {
                if (!Set.of("action", "actionid", "userevent").contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    b.add(h.getKey(), h.getValue());
                }
            }
            locked(() -> broadcast("user", b.build()));
        }
    }

    private static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every JDK", e);
        }
    }
}
