package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.sim.SimulatedCall;
import cn.hotline.ivr.workorder.TicketBackend;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ivr bench agi}: N simulated calls through the real server (same wiring as {@code serve}),
 * arriving evenly over {@code --ramp-ms}, at most C at once, each held open for {@code --hold-ms} on
 * its greeting so C calls really are concurrent. Client and server share this JVM; thread and heap
 * figures cover both. "server_turnaround" is measured by the simulated Asterisk: from writing a reply
 * to reading the server's next command.
 */
final class AgiBench {
    private AgiBench() {
    }

    static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int calls = args.integer("--calls", 2000);
        int concurrency = args.integer("--concurrency", 2000);
        long holdMs = args.longValue("--hold-ms", 3000);
        // Real calls arrive over time, not in one instant: by default 400 new calls a second.
        long rampMs = args.longValue("--ramp-ms", calls * 1000L / 400);
        java.nio.file.Path workDir = args.path("--work-dir", null);
        int warmup = args.integer("--warmup", 1000);
        // in-process: drafts are delivered to a development backend in this JVM (its CPU counts here);
        // none: drafts are persisted but stay pending, so only the call path itself is measured.
        String backendMode = args.string("--backend", "in-process");
        args.done();
        if (!backendMode.equals("in-process") && !backendMode.equals("none")) {
            throw new UsageException("--backend is in-process or none, got '" + backendMode + "'");
        }
        if (calls < 1 || concurrency < 1) {
            throw new UsageException("--calls and --concurrency must be at least 1");
        }
        String yaml = """
                agi:
                  bind: 127.0.0.1:0
                  max-calls: %d
                http:
                  bind: 127.0.0.1:0
                audiosocket:
                  bind: 127.0.0.1:0
                outbox:
                  dir: %s
                ticket:
                  base-url: %s
                """;
        // --work-dir: where the outbox journal lives (its fsync is part of every call).
        java.nio.file.Path work = workDir != null
                ? java.nio.file.Files.createTempDirectory(workDir, "ivr-bench-agi-")
                : java.nio.file.Files.createTempDirectory("ivr-bench-agi-");
        if (backendMode.equals("none")) {
            // Port 9 (discard) is closed on loopback: delivery fails fast and backs off.
            return measure(yaml.formatted(Math.max(concurrency * 2, 1000), work.resolve("outbox"), "http://127.0.0.1:9/"),
                    calls, concurrency, holdMs, rampMs, warmup, backendMode, out);
        }
        try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(0, work.resolve("backend")))) {
            return measure(yaml.formatted(Math.max(concurrency * 2, 1000), work.resolve("outbox"), backend.baseUrl()),
                    calls, concurrency, holdMs, rampMs, warmup, backendMode, out);
        }
    }

    private static int measure(String yaml, int calls, int concurrency, long holdMs, long rampMs, int warmup,
            String backendMode, PrintStream out) throws Exception {
        Settings settings = Settings.read(ConfigFile.fromYaml("(bench)", yaml, java.nio.file.Path.of("."), Map.of()));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        // The JIT compiles the call path on a first server instance; the measured one starts with
        // clean metrics (its command timers then hold only the measured calls).
        String warmYaml = yaml.replace(settings.outbox().dir().toString(),
                java.nio.file.Files.createTempDirectory("ivr-bench-warm-").toString());
        try (HotlineServer warm = new HotlineServer(Settings.read(ConfigFile.fromYaml("(bench warm-up)", warmYaml,
                java.nio.file.Path.of("."), Map.of())), null, Map.of())) {
            warm.start();
            runCalls(warm, warmup, 50, 0, SimulatedCall.Options.defaults(), new ConcurrentLinkedQueue<>());
        }
        try (HotlineServer server = new HotlineServer(settings, null, Map.of())) {
            server.start();
            System.gc();
            threads.resetPeakThreadCount();
            AtomicLong peakHeap = new AtomicLong();
            AtomicLong peakCalls = new AtomicLong();
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    peakCalls.accumulateAndGet(server.agiServer().activeCalls(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            SimulatedCall.Options options = SimulatedCall.Options.defaults().withPromptTime(Duration.ofMillis(holdMs));
            ConcurrentLinkedQueue<SimulatedCall.Result> results = new ConcurrentLinkedQueue<>();
            long start = System.nanoTime();
            runCalls(server, calls, concurrency, rampMs, options, results);
            double seconds = (System.nanoTime() - start) / 1e9;
            sampler.interrupt();

            long refused = results.stream().filter(r -> !r.outcome().equals("completed") || !r.serverClosed()
                    || !"OK".equals(r.variables().get("IVR_STATUS"))).count();
            long[] rtts = results.stream().flatMapToLong(r -> Arrays.stream(r.roundTripsMicros())).sorted().toArray();
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("benchmark", "agi");
            report.put("calls", calls);
            report.put("concurrency", concurrency);
            report.put("hold_ms", holdMs);
            report.put("ramp_ms", rampMs);
            report.put("completed", calls - refused);
            report.put("refused_or_failed", refused);
            report.put("wall_s", round(seconds));
            report.put("calls_per_s", round(calls / seconds));
            report.put("peak_concurrent_calls", peakCalls.get());
            report.put("server_turnaround_ms_p50", round(percentile(rtts, 0.50) / 1000.0));
            report.put("server_turnaround_ms_p99", round(percentile(rtts, 0.99) / 1000.0));
            report.put("commands", rtts.length);
            report.putAll(serverRoundTrips(server));
            report.put("warmup_calls", warmup);
            report.put("ticket_backend", backendMode);
            report.put("peak_platform_threads", threads.getPeakThreadCount());
            report.put("peak_heap_mb", round(peakHeap.get() / 1048576.0));
            report.put("cores", Runtime.getRuntime().availableProcessors());
            report.put("java", Runtime.version().toString());
            out.println(Json.write(report));
            return refused == 0 ? 0 : 1;
        }
    }

    /**
     * The server's own per-command round trip (command written → reply read), from its timers: p50 and
     * p99 of each command, and the worst p99 over all commands.
     */
    private static Map<String, Object> serverRoundTrips(HotlineServer server) {
        Map<String, Object> out = new LinkedHashMap<>();
        double worstP99 = 0;
        for (Timer t : server.registry().find("ivr_agi_command").timers()) {
            String name = t.getId().getTag("command").replace(' ', '_').toLowerCase(java.util.Locale.ROOT);
            for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
                double ms = round(v.value(java.util.concurrent.TimeUnit.MICROSECONDS) / 1000.0);
                out.put("command_rtt_ms_p" + Math.round(v.percentile() * 100) + "_" + name, ms);
                // STREAM FILE lasts as long as the simulated playback (--hold-ms): not a server delay.
                if (v.percentile() > 0.9 && !name.equals("stream_file")) {
                    worstP99 = Math.max(worstP99, ms);
                }
            }
        }
        out.put("command_rtt_ms_p99_worst_except_playback", worstP99);
        return out;
    }

    /** {@code calls} calls arriving evenly over {@code rampMs}, at most {@code concurrency} at once. */
    private static void runCalls(HotlineServer server, int calls, int concurrency, long rampMs,
            SimulatedCall.Options options, ConcurrentLinkedQueue<SimulatedCall.Result> results) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        List<Thread> callers = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            long wait = start + (rampMs * 1_000_000L * i) / calls - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            slots.acquire();
            callers.add(Thread.ofVirtual().start(() -> {
                try {
                    results.add(new SimulatedCall(server.agiAddress(), options, e -> { }).run());
                } finally {
                    slots.release();
                }
            }));
        }
        for (Thread t : callers) {
            t.join();
        }
    }

    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
