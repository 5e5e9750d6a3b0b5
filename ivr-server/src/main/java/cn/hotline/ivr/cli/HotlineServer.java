package cn.hotline.ivr.cli;

import cn.hotline.ivr.agent.AgentDeskServer;
import cn.hotline.ivr.agent.DraftPops;
import cn.hotline.ivr.agent.ScreenPops;
import cn.hotline.ivr.flow.AgentAvailability;
import cn.hotline.ivr.flow.EmergencyWatch;
import cn.hotline.ivr.flow.FlowSettings;
import cn.hotline.ivr.flow.HotlineFlow;
import cn.hotline.ivr.flow.IntakeLine;
import cn.hotline.ivr.flow.SpeechIntake;
import cn.hotline.ivr.media.AudioSocketServer;
import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.ops.ConfigProblem;
import cn.hotline.ivr.ops.ConfigReloader;
import cn.hotline.ivr.ops.HealthCheck;
import cn.hotline.ivr.ops.OpsHttpServer;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.speech.AudioSocketIntake;
import cn.hotline.ivr.speech.DecoderPool;
import cn.hotline.ivr.speech.SpeechIntakes;
import cn.hotline.ivr.speech.RecordFileIntake;
import cn.hotline.ivr.speech.SpeechSettings;
import cn.hotline.ivr.telephony.CallScript;
import cn.hotline.ivr.telephony.FastAgiServer;
import cn.hotline.ivr.telephony.ami.AmiClient;
import cn.hotline.ivr.understanding.CatalogueException;
import cn.hotline.ivr.understanding.Understander;
import cn.hotline.ivr.understanding.Understanding;
import cn.hotline.ivr.workorder.DraftWriter;
import cn.hotline.ivr.workorder.IntakeCheckpoints;
import cn.hotline.ivr.workorder.Outbox;
import cn.hotline.ivr.workorder.TicketClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole server, wired with plain constructors in this one place, in the order of a call's
 * journey: understanding → speech (decoders, AudioSocket) → AMI → work orders → screen pops → flow →
 * FastAGI → operations endpoints. Used by {@code serve}, {@code demo}, the benchmarks and the
 * end-to-end tests, so they all run exactly what production runs.
 */
public final class HotlineServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HotlineServer.class);
    /** How long a free agent is held for a caller on the way from intake to the queue. */
    private static final Duration RESERVATION = Duration.ofSeconds(15);
    /**
     * How long callers stay in intake after the AMI connection is lost before they are sent to the queue:
     * a reconnect and the queue's re-read take well under a second when Asterisk is up, and a blip that
     * short (a manager reload) should not cut every caller's description short.
     */
    private static final Duration AMI_LOSS_GRACE = Duration.ofSeconds(3);
    /** How long a start after a crash may spend recognising recordings left behind before it takes calls. */
    private static final Duration LEFTOVER_RECOGNITION_BUDGET = Duration.ofSeconds(20);

    private final Settings settings;
    private final Path configFile;
    private final Map<String, String> env;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<FlowSettings> flow;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private volatile boolean draining;
    private FastAgiServer agi;
    private OpsHttpServer http;
    private AudioSocketServer media;
    private AmiClient ami;
    private AgentDeskServer desks;
    private IntakeLine intakeLine;
    private ConfigReloader reloader;

    /** {@code configFile} may be null (settings built in code): then nothing is reloaded. */
    public HotlineServer(Settings settings, Path configFile, Map<String, String> env) {
        this.settings = settings;
        this.configFile = configFile;
        this.env = env;
        this.flow = new AtomicReference<>(settings.flow());
    }

    /**
     * Starts every room; on failure, what was started is closed again and the cause is thrown. A failure
     * an operator fixes in the configuration (a bad data file, a port in use, an unusable outbox
     * directory) is a {@link ConfigException} naming the key.
     */
    public void start() throws IOException, InterruptedException, ConfigException {
        try {
            startRooms();
        } catch (IOException | InterruptedException | ConfigException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startRooms() throws IOException, InterruptedException, ConfigException {
        if (settings.speech().capture() == SpeechSettings.CaptureMode.RECORD_FILE) {
            startRecordDirSweeps();
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        List<HealthCheck> checks = new ArrayList<>();
        checks.add(check("agi", () -> draining ? "not accepting calls" : null));

        Understander understander = understander(settings);

        DecoderPool pool = DecoderPool.start(settings.speech(), registry);
        closeables.add(pool);
        checks.add(check("speech", () -> pool.health().ok() ? null : pool.health().detail()));
        if (settings.speech().capture() == SpeechSettings.CaptureMode.AUDIOSOCKET) {
            media = listen(settings, "audiosocket.bind", settings.audiosocket().bind(),
                    () -> new AudioSocketServer(settings.audiosocket(), registry).start());
            closeables.add(media);
        }
        // The AMI client is connected below; a recording is only ever ended once calls arrive, by then it exists.
        RecordFileIntake.RemoteKey remoteKey = settings.ami().enabled()
                ? (channel, digit) -> ami != null && ami.receiveKey(channel, digit) : null;
        SpeechIntake intake = SpeechIntakes.create(settings.speech(), media, pool, registry, remoteKey);
        intakeLine = new IntakeLine(callId -> {
            if (intake instanceof AudioSocketIntake streaming) {
                streaming.preempt(callId);
            } else if (intake instanceof RecordFileIntake recording) {
                recording.preempt(callId);
            }
        }, intake.preemptible());
        Gauge.builder("ivr.intake.line.describing", intakeLine, l -> l.size() - l.waiting())
                .description("callers describing their problem while no agent is free").register(registry);
        Gauge.builder("ivr.intake.line.waiting", intakeLine, IntakeLine::waiting)
                .description("callers who finished describing and wait for earlier callers (music on hold)").register(registry);

        AgentAvailability agents = AgentAvailability.UNKNOWN;
        if (settings.ami().enabled()) {
            ami = new AmiClient(settings.ami(), registry);
            closeables.add(ami);
            ami.start();
            agents = ami;
            String queue = settings.ami().queue();
            ami.onAgentFree(member -> releaseEarliestCaller(queue));
            ami.onStateLost(lostAt -> CompletableFuture.delayedExecutor(AMI_LOSS_GRACE.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(this::releaseCallersIfAgentsStillUnknown));
            checks.add(check("ami", () -> ami.isConnected() ? null : "not logged in to Asterisk: " + ami.health().lastError()));
        }

        Outbox outbox = openOutbox(settings, registry);
        closeables.add(outbox);
        TicketClient tickets = new TicketClient(settings.ticket());
        closeables.add(tickets);
        outbox.startDelivery(tickets);
        checks.add(check("outbox", () -> outbox.diskAlarm() ? "outbox disk use over outbox.alarm-ratio of outbox.max-bytes"
                : outbox.diskShortfall().orElse(null)));
        IntakeCheckpoints checkpoints = openCheckpoints(settings);
        closeables.add(checkpoints);
        DraftWriter drafts = new DraftWriter(understander, outbox, settings.flow().hours().zone(),
                DraftPops::channelVariables, checkpoints);
        if (intake instanceof RecordFileIntake recording) {
            // No partial words were checkpointed: the recordings the killed server left hold them.
            Instant deadline = Instant.now().plus(LEFTOVER_RECOGNITION_BUDGET);
            drafts.recoverInterruptedIntakes(callId -> recording.recogniseLeftover(callId, deadline));
        } else {
            drafts.recoverInterruptedIntakes();
        }
        drafts.warmUp();
        if (settings.agent().enabled()) {
            ScreenPops pops = new ScreenPops(settings.agent(), new DraftPops(outbox), registry);
            closeables.add(pops);
            if (ami != null) {
                pops.bind(ami);
            }
            desks = listen(settings, "agent.bind", settings.agent().bind(), () -> AgentDeskServer.start(settings.agent(), pops));
            closeables.add(desks);
        }

        EmergencyWatch emergencies = partial -> {
            Understanding.Emergency e = understander.emergencies().detect(partial);
            return e.detected() ? Optional.of(e.route()) : Optional.empty();
        };
        HotlineFlow hotline = new HotlineFlow(flow::get, Clock.systemDefaultZone(),
                new HotlineFlow.Services(agents, intake, intakeLine, emergencies, drafts));
        Map<String, CallScript> scripts = Map.of("hotline", hotline::handle);
        agi = new FastAgiServer(settings.agi(), scripts, registry);
        closeables.add(agi);
        listen(settings, "agi.bind", settings.agi().bind(), () -> {
            agi.start();
            return agi;
        });

        http = new OpsHttpServer(settings.http().bind(), registry, checks, () -> draining);
        closeables.add(http);
        listen(settings, "http.bind", settings.http().bind(), () -> {
            http.start();
            return http;
        });

        if (configFile != null) {
            reloader = new ConfigReloader(configFile, env, settings.reloadInterval(), this::reload);
            closeables.add(reloader);
            Gauge.builder("ivr.config.last.reload.successful", reloader, r -> r.lastReloadSuccessful() ? 1 : 0)
                    .description("0 while the configuration file on disk was refused at its last reload").register(registry);
        }
    }

    /**
     * Refuses an unusable {@code speech.record-dir}, then deletes the recordings a killed server left
     * there (callers' voices): those old enough now, the rest once they are old enough to be sure no
     * other server sharing the directory is still recording into them.
     */
    private void startRecordDirSweeps() throws ConfigException {
        Optional<String> problem = recordDirProblem(settings.speech());
        if (problem.isPresent()) {
            throw new ConfigException(List.of(new ConfigProblem(settings.file(), "speech.record-dir", problem.get())));
        }
        Path dir = settings.speech().recordDir();
        Duration age = RecordFileIntake.leftoverAge(settings.speech());
        Instant started = Instant.now();
        RecordFileIntake.sweepLeftovers(dir, started.minus(age));
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                .name("record-dir-sweep").daemon().factory());
        later.schedule(() -> RecordFileIntake.sweepLeftovers(dir, started), age.toMillis(), TimeUnit.MILLISECONDS);
        closeables.add(later::shutdownNow);
    }

    /**
     * What serve loads from the configuration before it opens anything: check-config runs this too, so
     * a configuration it passes does not fail at start-up on a data file or the outbox directory.
     */
    public static void preflight(Settings settings) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        try {
            understander(settings);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        outboxDirProblem(settings.outbox().dir()).ifPresent(reason -> problems.add(new ConfigProblem(settings.file(), "outbox.dir", reason)));
        recordDirProblem(settings.speech()).ifPresent(reason -> problems.add(new ConfigProblem(settings.file(), "speech.record-dir", reason)));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /** The understanding room exactly as the server builds it; a bad data file is a problem of the key naming it. */
    static Understander understander(Settings settings) throws ConfigException {
        try {
            return Understander.create(settings.understanding());
        } catch (CatalogueException e) {
            throw new ConfigException(e.keyedProblems().stream()
                    .map(p -> new ConfigProblem(settings.file(), p.key().isEmpty() ? "understanding" : p.key(),
                            p.source() + ": " + p.reason()))
                    .toList());
        }
    }

    /**
     * Why the outbox could not be opened in {@code dir}, without creating anything: an existing
     * directory must be writable, a missing one needs its nearest existing parent to be a writable directory.
     */
    static Optional<String> outboxDirProblem(Path dir) {
        return writableDirProblem(dir, ".ivr-outbox-probe-");
    }

    /**
     * In record-file mode this server creates {@code speech.record-dir} and deletes each recording
     * after reading it, so it must be able to create and write there; other modes never use it.
     */
    static Optional<String> recordDirProblem(SpeechSettings speech) {
        return speech.capture() == SpeechSettings.CaptureMode.RECORD_FILE ? writableDirProblem(speech.recordDir(), ".ivr-record-dir-probe-") : Optional.empty();
    }

    private static Optional<String> writableDirProblem(Path dir, String probePrefix) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.of("cannot create " + dir + ": no part of the path exists");
        }
        if (!Files.isDirectory(existing)) {
            return Optional.of(existing.equals(dir.toAbsolutePath()) ? dir + " is not a directory"
                    : "cannot create " + dir + ": " + existing + " is not a directory");
        }
        if (!Files.isWritable(existing)) {
            return Optional.of(existing.equals(dir.toAbsolutePath()) ? dir + " is not writable by this user"
                    : "cannot create " + dir + ": " + existing + " is not writable by this user");
        }
        // Permission bits do not tell everything (root on /proc, a read-only mount): try a probe that is
        // removed at once, so the outbox directory itself is still not created by a check.
        try {
            Files.delete(Files.createTempDirectory(existing, probePrefix));
        } catch (IOException e) {
            // No reason (ENOENT from /proc, say) is better left out than shown as a Java exception name.
            String reason = fileSystemReason(e);
            return Optional.of("cannot create or write " + dir + " (" + existing + " refuses new entries"
                    + (reason == null ? "" : ": " + reason) + ")");
        }
        return Optional.empty();
    }

    /** What the file system said, in words ("permission denied", "Is a directory"); null when it said nothing. */
    private static String fileSystemReason(IOException e) {
        return e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : null;
    }

    /** The words of callers in intake, beside the outbox (whose lock makes the directory this server's own). */
    private static IntakeCheckpoints openCheckpoints(Settings settings) throws ConfigException {
        try {
            return IntakeCheckpoints.open(settings.outbox().dir());
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(settings.file(), "outbox.dir", "cannot open "
                    + settings.outbox().dir().resolve(IntakeCheckpoints.FILE) + ": " + java.util.Objects.requireNonNullElse(fileSystemReason(e),
                    e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()))));
        }
    }

    private static Outbox openOutbox(Settings settings, MeterRegistry registry) throws IOException, ConfigException {
        Optional<String> problem = outboxDirProblem(settings.outbox().dir());
        if (problem.isPresent()) {
            throw new ConfigException(List.of(new ConfigProblem(settings.file(), "outbox.dir", problem.get())));
        }
        try {
            return Outbox.open(settings.outbox(), registry);
        } catch (Outbox.InUseException e) {
            throw new ConfigException(List.of(new ConfigProblem(settings.file(), "outbox.dir", settings.outbox().dir()
                    + " is in use by another running server (stop it, or give this one its own outbox.dir)")));
        } catch (java.nio.file.FileSystemException e) {
            throw new ConfigException(List.of(new ConfigProblem(settings.file(), "outbox.dir", "cannot open the outbox in "
                    + settings.outbox().dir() + ": " + (e.getReason() == null ? e.getClass().getSimpleName() : e.getReason())
                    + " at " + e.getFile())));
        }
    }

    private interface Start<T> {
        T start() throws IOException, InterruptedException;
    }

    /** Starts a listener; a bind failure becomes one line naming the key and what to do. */
    private static <T> T listen(Settings settings, String key, InetSocketAddress address, Start<T> start)
            throws IOException, InterruptedException, ConfigException {
        try {
            return start.start();
        } catch (IOException | RuntimeException e) {
            Optional<String> reason = bindProblem(e, key, address);
            if (reason.isEmpty()) {
                throw e;
            }
            throw new ConfigException(List.of(new ConfigProblem(settings.file(), key, reason.get())));
        }
    }

    /** A readable reason when {@code failure} (or a cause) is the operating system refusing the address. */
    static Optional<String> bindProblem(Throwable failure, String key, InetSocketAddress address) {
        String where = address.getHostString() + ":" + address.getPort();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (message.contains("address already in use")) {
                return Optional.of(where + " is already in use by another process (change " + key + " or stop the other server)");
            }
            if (message.contains("cannot assign requested address")) {
                return Optional.of(where + ": this machine has no such address (change " + key
                        + " to one of its own addresses, or 0.0.0.0 for all)");
            }
            if (message.contains("permission denied") || message.contains("access denied")) {
                return Optional.of(where + ": not allowed to listen there (ports below 1024 need privileges; change " + key + ")");
            }
            if (t instanceof java.net.SocketException) {
                return Optional.of("cannot listen on " + where + ": " + t.getMessage() + " (change " + key + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * An agent freed up: while agents are free beyond the callers already waiting, take the earliest
     * caller out of intake and hold an agent for them until they join the queue.
     */
    private void releaseEarliestCaller(String queue) {
        while (intakeLine.size() > 0 && ami.agentFree(queue)) {
            Optional<String> callId = intakeLine.agentFreed();
            if (callId.isEmpty()) {
                return;
            }
            ami.reserve(queue, callId.get(), RESERVATION);
        }
    }

    /**
     * The AMI connection was lost a grace period ago and the queue is still unknown: callers in intake
     * could be describing while agents are free, so they go to the queue, as new callers do meanwhile.
     */
    private void releaseCallersIfAgentsStillUnknown() {
        if (ami != null && !ami.known() && intakeLine.size() > 0) {
            int released = intakeLine.releaseAll("agent availability unknown (AMI connection lost "
                    + AMI_LOSS_GRACE.toSeconds() + " s ago)");
            log.warn("AMI still down {} s after the connection was lost: {} caller(s) taken out of intake to the queue",
                    AMI_LOSS_GRACE.toSeconds(), released);
        }
    }

    private static HealthCheck check(String name, Supplier<String> problem) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String problem() {
                return problem.get();
            }
        };
    }

    /** Only the flow reloads live; ConfigReloader says which other changed keys wait for a restart. */
    private void reload(Settings next) {
        flow.set(next.flow());
    }

    /** Re-reads the configuration file now (SIGHUP); false when there is none or it was not applied. */
    public boolean reloadConfiguration(String trigger) {
        return reloader != null && reloader.reloadNow(trigger);
    }

    public InetSocketAddress agiAddress() {
        return agi.address();
    }

    public InetSocketAddress httpAddress() {
        return http.address();
    }

    /** The AudioSocket listener, or null when capture uses RECORD FILE. */
    public AudioSocketServer media() {
        return media;
    }

    /** The agent desk server, or null when {@code agent.enabled} is false. */
    public AgentDeskServer desks() {
        return desks;
    }

    public IntakeLine intakeLine() {
        return intakeLine;
    }

    /** The /ready report: dependency → "ok" or what is wrong. */
    public Map<String, String> readiness() {
        return http.readiness();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public FastAgiServer agiServer() {
        return agi;
    }

    /** Graceful stop: refuse new calls, let calls in progress finish within the grace period, then close. */
    public void shutdown(Duration grace) throws InterruptedException {
        draining = true;
        try {
            if (agi != null) {
                agi.stopAccepting();
                if (!agi.awaitCalls(grace)) {
                    log.warn("{} call(s) still in progress after the {} s grace period; closing them",
                            agi.openConnections(), grace.toSeconds());
                }
            }
        } finally {
            close(); // also when the wait is cut short (a second SIGTERM interrupts it)
        }
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                log.warn("closing {}: {}", closeables.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        closeables.clear();
    }
}
