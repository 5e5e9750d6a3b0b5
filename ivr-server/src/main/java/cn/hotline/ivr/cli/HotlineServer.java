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
import cn.hotline.ivr.ops.ConfigReloader;
import cn.hotline.ivr.ops.HealthCheck;
import cn.hotline.ivr.ops.OpsHttpServer;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.speech.AudioSocketIntake;
import cn.hotline.ivr.speech.DecoderPool;
import cn.hotline.ivr.speech.SpeechIntakes;
import cn.hotline.ivr.speech.SpeechSettings;
import cn.hotline.ivr.telephony.CallScript;
import cn.hotline.ivr.telephony.FastAgiServer;
import cn.hotline.ivr.telephony.ami.AmiClient;
import cn.hotline.ivr.understanding.CatalogueException;
import cn.hotline.ivr.understanding.Understander;
import cn.hotline.ivr.understanding.Understanding;
import cn.hotline.ivr.workorder.DraftWriter;
import cn.hotline.ivr.workorder.Outbox;
import cn.hotline.ivr.workorder.TicketClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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

    /** {@code configFile} may be null (settings built in code): then nothing is reloaded. */
    public HotlineServer(Settings settings, Path configFile, Map<String, String> env) {
        this.settings = settings;
        this.configFile = configFile;
        this.env = env;
        this.flow = new AtomicReference<>(settings.flow());
    }

    /** Starts every room; on failure, what was started is closed again and the cause is thrown. */
    public void start() throws IOException, InterruptedException, CatalogueException {
        try {
            startRooms();
        } catch (IOException | InterruptedException | CatalogueException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startRooms() throws IOException, InterruptedException, CatalogueException {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        List<HealthCheck> checks = new ArrayList<>();
        checks.add(check("agi", () -> draining ? "not accepting calls" : null));

        Understander understander = Understander.create(settings.understanding());

        DecoderPool pool = DecoderPool.start(settings.speech(), registry);
        closeables.add(pool);
        checks.add(check("speech", () -> pool.health().ok() ? null : pool.health().detail()));
        if (settings.speech().capture() == SpeechSettings.CaptureMode.AUDIOSOCKET) {
            media = new AudioSocketServer(settings.audiosocket(), registry).start();
            closeables.add(media);
        }
        SpeechIntake intake = SpeechIntakes.create(settings.speech(), media, pool, registry);
        intakeLine = new IntakeLine(callId -> {
            if (intake instanceof AudioSocketIntake streaming) {
                streaming.preempt(callId);
            }
        });
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
            checks.add(check("ami", () -> ami.isConnected() ? null : "not logged in to Asterisk: " + ami.health().lastError()));
        }

        Outbox outbox = Outbox.open(settings.outbox(), registry);
        closeables.add(outbox);
        TicketClient tickets = new TicketClient(settings.ticket());
        closeables.add(tickets);
        outbox.startDelivery(tickets);
        checks.add(check("outbox", () -> outbox.diskAlarm() ? "outbox disk use over outbox.alarm-ratio of outbox.max-bytes" : null));
        DraftWriter drafts = new DraftWriter(understander, outbox, settings.flow().hours().zone(),
                DraftPops::channelVariables);
        drafts.warmUp();
        if (settings.agent().enabled()) {
            ScreenPops pops = new ScreenPops(settings.agent(), new DraftPops(outbox), registry);
            closeables.add(pops);
            if (ami != null) {
                pops.bind(ami);
            }
            desks = AgentDeskServer.start(settings.agent(), pops);
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
        agi.start();
        closeables.add(agi);

        http = new OpsHttpServer(settings.http().bind(), registry, checks, () -> draining);
        http.start();
        closeables.add(http);

        if (configFile != null) {
            closeables.add(new ConfigReloader(configFile, env, settings.reloadInterval(), this::reload));
        }
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

    private void reload(Settings next) {
        flow.set(next.flow());
        if (!restartOnly(next).equals(restartOnly(settings))) {
            log.warn("only flow.* and prompts.* reload live; other changes in {} take effect after a restart", next.file());
        }
    }

    /** The sections that are read once at start-up. */
    private static List<Object> restartOnly(Settings s) {
        return List.of(s.agi(), s.http(), s.audiosocket(), s.speech(), s.understanding(), s.ami(), s.agent(),
                s.outbox(), s.ticket());
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
        if (agi != null) {
            agi.stopAccepting();
            if (!agi.awaitCalls(grace)) {
                log.warn("{} call(s) still in progress after the {} s grace period; closing them",
                        agi.openConnections(), grace.toSeconds());
            }
        }
        close();
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
