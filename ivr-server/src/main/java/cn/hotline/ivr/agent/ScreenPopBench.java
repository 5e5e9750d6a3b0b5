package cn.hotline.ivr.agent;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.sim.ami.AmiServerSimulator;
import cn.hotline.ivr.sim.ami.AmiSimulatorConfig;
import cn.hotline.ivr.telephony.ami.AmiClient;
import cn.hotline.ivr.telephony.ami.AmiSettings;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code ivr bench screen-pop [--callers N] [--agents M] [--ring-ms R] [--talk-ms T] [--talk-spread S]
 * [--interval-ms I] [--warmup W]}: the simulated Asterisk with M agents, the real AMI client, screen pops
 * and desk server, and M real WebSocket desks on loopback ({@link DeskProbe}: each signs in with the auth
 * message, as a CTI client does, before the first caller); N callers join the queue. Prints JSON with
 * the pop latency from AgentConnect received by the AMI client to the pop received by the desk
 * (p50/p99/max), and the server-side {@code ivr.screen.pop.latency} (to the frame written).
 */
public final class ScreenPopBench {
    private ScreenPopBench() {
    }

    public static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int callers = args.integer("--callers", 200);
        int agents = args.integer("--agents", 20);
        int ringMs = args.integer("--ring-ms", 50);
        int talkMs = args.integer("--talk-ms", 100);
        int intervalMs = args.integer("--interval-ms", 5);
        int warmup = args.integer("--warmup", 100);
        double spread = args.decimal("--talk-spread", 0.5);
        args.done();
        if (callers < 1 || agents < 1 || ringMs < 0 || talkMs < 1 || intervalMs < 0 || spread < 0 || spread >= 1) {
            err.println("bench screen-pop: --callers and --agents must be >= 1, --talk-ms >= 1, times >= 0,"
                    + " --talk-spread in [0, 1)");
            return 2;
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Long> connectedAt = new ConcurrentHashMap<>();
        Map<String, String> tokens = new LinkedHashMap<>();
        for (int i = 1; i <= agents; i++) {
            tokens.put("agent" + i, "bench-token-agent" + i);
        }
        AgentSettings settings = AgentSettings.of(new InetSocketAddress("127.0.0.1", 0), tokens, Map.of());
        // A bench harness stand-in for the work-order room's store: every call has a small draft.
        DraftLookup syntheticDrafts = callId -> Optional.of(new ScreenPop(callId, "D-" + callId, "13800000000", "",
                "小区停水", 0.9, "completed", false,
                List.of(new ScreenPop.Field("topic", "问题分类", "停水", "WATER_OUTAGE", 0.9, List.of(new ScreenPop.Span(2, 4))))));
        try (AmiServerSimulator sim = AmiServerSimulator.start(AmiSimulatorConfig.defaults().withAgents(agents)
                     .withTiming(Duration.ofMillis(ringMs), Duration.ofMillis(talkMs)), new InetSocketAddress("127.0.0.1", 0));
             AmiClient ami = new AmiClient(AmiSettings.of("127.0.0.1", sim.port(), "hotline", "hotline123",
                     sim.queueName()), registry);
             ScreenPops pops = new ScreenPops(settings, syntheticDrafts, registry)) {
            sim.talkVariation(spread, 42);
            ami.onAgentConnect(c -> connectedAt.put(c.callId(), c.receivedNanos()));
            pops.bind(ami);
            ami.start();
            AgentDeskServer server = AgentDeskServer.start(settings, pops);
            try (DeskProbe desks = DeskProbe.connect("127.0.0.1", server.address().getPort(), tokens)) {
                Map<String, Long> poppedAt = desks.poppedAt();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!(ami.isConnected() && ami.queueState().synced(sim.queueName())) || pops.connectedDesks() < agents) {
                    if (System.nanoTime() > deadline) {
                        err.println("bench screen-pop: AMI or desks not ready within 10 s");
                        return 1;
                    }
                    Thread.sleep(10);
                }
                // Warm-up calls (JIT, connection pools) are placed first and not counted.
                offer(sim, warmup, intervalMs, ConcurrentHashMap.newKeySet());
                waitForPops(poppedAt, warmup, callers(warmup, agents, ringMs, talkMs));
                Set<String> measured = ConcurrentHashMap.newKeySet();
                long start = System.nanoTime();
                offer(sim, callers, intervalMs, measured);
                waitForPops(poppedAt, warmup + callers, callers(callers, agents, ringMs, talkMs));
                long elapsed = System.nanoTime() - start;
                List<Long> latencies = new ArrayList<>();
                for (String id : measured) {
                    Long c = connectedAt.get(id);
                    Long p = poppedAt.get(id);
                    if (c != null && p != null) {
                        latencies.add(p - c);
                    }
                }
                latencies.sort(null);
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("bench", "screen-pop");
                result.put("callers", callers);
                result.put("agents", agents);
                result.put("ringMs", ringMs);
                result.put("talkMs", talkMs);
                result.put("talkSpread", spread);
                result.put("pops", latencies.size());
                result.put("missing", callers - latencies.size());
                result.put("seconds", Math.round(elapsed / 1e7) / 100.0);
                result.put("popToDeskMs", Map.of("p50", pct(latencies, 0.50), "p99", pct(latencies, 0.99),
                        "max", pct(latencies, 1.0)));
                Timer t = registry.find("ivr.screen.pop.latency").timer();
                Map<String, Object> write = new LinkedHashMap<>();
                if (t != null) {
                    for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
                        write.put("p" + Math.round(v.percentile() * 100), Math.round(v.value(TimeUnit.MICROSECONDS)) / 1000.0);
                    }
                }
                result.put("serverWriteMsInclWarmup", write);
                out.println(Json.write(result));
                return latencies.size() == callers ? 0 : 1;
            } finally {
                server.close();
            }
        }
    }

    private static void offer(AmiServerSimulator sim, int n, int intervalMs, Set<String> ids)
            throws InterruptedException {
        for (int i = 0; i < n; i++) {
            ids.add(sim.callerArrives("139" + String.format("%08d", i), 0));
            if (intervalMs > 0) {
                Thread.sleep(intervalMs);
            }
        }
    }

    /** Generous time for {@code n} calls through {@code agents} members, plus 10 s. */
    private static long callers(int n, int agents, int ringMs, int talkMs) {
        return (long) Math.ceil((double) n / agents) * (ringMs + talkMs + 50L) + 10_000;
    }

    private static void waitForPops(Map<String, Long> poppedAt, int total, long limitMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limitMs);
        while (poppedAt.size() < total && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private static double pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int idx = (int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(p * sorted.size()) - 1));
        return Math.round(sorted.get(idx) / 1_000.0) / 1000.0;
    }
}
