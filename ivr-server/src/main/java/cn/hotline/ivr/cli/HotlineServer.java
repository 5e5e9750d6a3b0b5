package cn.hotline.ivr.cli;

import cn.hotline.ivr.flow.FlowSettings;
import cn.hotline.ivr.flow.HotlineFlow;
import cn.hotline.ivr.ops.ConfigReloader;
import cn.hotline.ivr.ops.HealthCheck;
import cn.hotline.ivr.ops.OpsHttpServer;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.telephony.CallScript;
import cn.hotline.ivr.telephony.FastAgiServer;
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
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole server, wired with plain constructors in this one place: configuration → flow →
 * FastAGI server → operations endpoints. Used by {@code serve}, {@code demo}, the benchmarks and
 * the end-to-end tests, so they all run exactly what production runs.
 */
public final class HotlineServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HotlineServer.class);

    private final Settings settings;
    private final Path configFile;
    private final Map<String, String> env;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<FlowSettings> flow;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private volatile boolean draining;
    private FastAgiServer agi;
    private OpsHttpServer http;

    /** {@code configFile} may be null (settings built in code): then nothing is reloaded. */
    public HotlineServer(Settings settings, Path configFile, Map<String, String> env) {
        this.settings = settings;
        this.configFile = configFile;
        this.env = env;
        this.flow = new AtomicReference<>(settings.flow());
    }

    public void start() throws IOException, InterruptedException {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        HotlineFlow hotline = new HotlineFlow(flow::get, Clock.systemDefaultZone());
        Map<String, CallScript> scripts = Map.of("hotline", hotline::handle);
        agi = new FastAgiServer(settings.agi(), scripts, registry);
        agi.start();
        closeables.add(agi);

        List<HealthCheck> checks = List.of(new HealthCheck() {
            @Override
            public String name() {
                return "agi";
            }

            @Override
            public String problem() {
                return draining ? "not accepting calls" : null;
            }
        });
        http = new OpsHttpServer(settings.http().bind(), registry, checks, () -> draining);
        http.start();
        closeables.add(http);

        if (configFile != null) {
            closeables.add(new ConfigReloader(configFile, env, settings.reloadInterval(), this::reload));
        }
    }

    private void reload(Settings next) {
        flow.set(next.flow());
        if (!next.agi().equals(settings.agi()) || !next.http().equals(settings.http())) {
            log.warn("agi.* or http.* changed in {}: those take effect only after a restart", next.file());
        }
    }

    public InetSocketAddress agiAddress() {
        return agi.address();
    }

    public InetSocketAddress httpAddress() {
        return http.address();
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
        agi.stopAccepting();
        if (!agi.awaitCalls(grace)) {
            log.warn("{} call(s) still in progress after the {} s grace period; closing them",
                    agi.openConnections(), grace.toSeconds());
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
