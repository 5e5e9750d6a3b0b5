package cn.hotline.ivr.cli;

import cn.hotline.ivr.agent.DeskProbe;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.sim.AudioSocketCaller;
import cn.hotline.ivr.sim.HotlineCaller;
import cn.hotline.ivr.sim.SimulatedCall;
import cn.hotline.ivr.sim.ami.AmiServerSimulator;
import cn.hotline.ivr.sim.ami.AmiSimulatorConfig;
import cn.hotline.ivr.telephony.ami.AgentConnect;
import cn.hotline.ivr.telephony.ami.AmiClient;
import cn.hotline.ivr.telephony.ami.AmiSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code ivr bench queue --callers N --agents M --minutes T [--talk-s S] [--talk-spread V] [--ring-s R]
 * [--prompt-ms P] [--seed X] [--clips DIR]}: one busy period simulated twice on fresh simulated sites
 * (ticket backend, simulated Asterisk with M agents, the real server), once with speech intake and
 * once without ({@code flow.intake.enabled}), with the same seeded Poisson arrivals, the same talk
 * times and the same caller voices. Prints one JSON object: each caller's time to agent (arrival at
 * the start of the AGI call → AgentConnect for its Uniqueid) in both runs and the difference, whether
 * the agent's screen pop carried the draft, and the pop latency (AgentConnect received → desk).
 */
final class QueueBench {
    private QueueBench() {
    }

    /** What both runs share: the busy period. */
    private record Plan(int callers, int agents, double minutes, Duration talk, double talkSpread, Duration ring,
                        Duration promptTime, long seed, double[] arrivalS, List<Path> voices) {
    }

    /**
     * One caller in one run. {@code toAgentS} is -1 when no agent answered; {@code popMs} is NaN without a
     * pop, and may be slightly negative when the server's AMI session delivered AgentConnect before ours.
     */
    private record Answered(double toAgentS, String intake, String draftStatus, double popMs) {
    }

    private record Run(List<Answered> callers, AmiServerSimulator.Stats queue) {
    }

    static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int callers = args.integer("--callers", 60);
        int agents = args.integer("--agents", 4);
        double minutes = args.decimal("--minutes", 2);
        double talkS = args.decimal("--talk-s", 10);
        double spread = args.decimal("--talk-spread", 0.3);
        double ringS = args.decimal("--ring-s", 1);
        int promptMs = args.integer("--prompt-ms", 300);
        long seed = args.longValue("--seed", 12345);
        Path clipsDir = args.path("--clips", SimulatedSite.defaultClips());
        args.done();
        if (callers < 1 || agents < 1 || minutes <= 0 || talkS <= 0 || ringS < 0 || promptMs < 0
                || spread < 0 || spread >= 1) {
            err.println("bench queue: --callers and --agents must be >= 1, --minutes and --talk-s > 0, --ring-s and"
                    + " --prompt-ms >= 0, --talk-spread in [0, 1)");
            return 2;
        }
        List<Path> voices = new ArrayList<>(SimulatedSite.transcribedClips(clipsDir).keySet());
        Plan plan = new Plan(callers, agents, minutes, Duration.ofMillis(Math.round(talkS * 1000)), spread,
                Duration.ofMillis(Math.round(ringS * 1000)), Duration.ofMillis(promptMs), seed,
                arrivals(callers, minutes * 60, seed), voices);
        err.printf("bench queue: %d callers over %.2f min, %d agents, talk %.1f s ±%.0f %%, voices: %s%n", callers,
                minutes, agents, talkS, spread * 100, voices.isEmpty() ? "silent" : voices.size() + " clips");
        err.println("bench queue: run 1 of 2, with intake");
        Run with = busyPeriod(plan, true, err);
        err.println("bench queue: run 2 of 2, without intake");
        Run without = busyPeriod(plan, false, err);
        Map<String, Object> result = report(plan, clipsDir, with, without);
        out.println(Json.write(result));
        return with.queue().answered() == callers && without.queue().answered() == callers ? 0 : 1;
    }

    /**
     * {@code n} arrival times in [0, seconds): a Poisson process conditioned on n arrivals is n uniform
     * times, sorted, so every run and both halves of the comparison see the same schedule.
     */
    static double[] arrivals(int n, double seconds, long seed) {
        Random random = new Random(seed);
        double[] at = new double[n];
        for (int i = 0; i < n; i++) {
            at[i] = random.nextDouble() * seconds;
        }
        Arrays.sort(at);
        return at;
    }

    private static Run busyPeriod(Plan plan, boolean intake, PrintStream err) throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (int i = 1; i <= plan.agents(); i++) {
            tokens.put("agent" + i, "bench-token-agent" + i);
        }
        // AudioSocket on a free port: benchmarks and tests may run next to a demo holding 9092.
        Map<String, String> env = Map.of("IVR_FLOW_INTAKE_ENABLED", String.valueOf(intake),
                "IVR_AUDIOSOCKET_BIND", "127.0.0.1:0");
        AmiSimulatorConfig ami = AmiSimulatorConfig.defaults().withAgents(plan.agents()).withTiming(plan.ring(), plan.talk());
        try (SimulatedSite site = SimulatedSite.start("ivr-bench-queue-", ami, tokens, env);
             HotlineServer server = new HotlineServer(site.settings(), null, System.getenv());
             // A second AMI session in this JVM sees the same AgentConnect events as the server's own,
             // at the same moment: the clock for time to agent and for pop latency.
             AmiClient observer = new AmiClient(AmiSettings.of("127.0.0.1", site.asterisk().port(), "hotline",
                     "hotline123", site.asterisk().queueName()), new SimpleMeterRegistry())) {
            AmiServerSimulator asterisk = site.asterisk();
            asterisk.talkVariation(plan.talkSpread(), plan.seed());
            Map<String, AgentConnect> connects = new ConcurrentHashMap<>();
            observer.onAgentConnect(c -> connects.putIfAbsent(c.callId(), c));
            observer.start();
            server.start();
            waitUntil(() -> observer.known() && "ok".equals(server.readiness().get("ami")), Duration.ofSeconds(15),
                    "AMI not ready");
            try (DeskProbe desks = DeskProbe.connect("127.0.0.1", server.desks().address().getPort(), tokens)) {
                List<CompletableFuture<HotlineCaller.Outcome>> calls = place(plan, server, asterisk);
                List<HotlineCaller.Outcome> outcomes = new ArrayList<>();
                for (CompletableFuture<HotlineCaller.Outcome> c : calls) {
                    outcomes.add(c.get());
                }
                // Every caller in the queue waits there until an agent answers, as in Asterisk.
                double rounds = Math.ceil((double) plan.callers() / plan.agents());
                long limitMs = Math.round(rounds * (plan.talk().toMillis() * (1 + plan.talkSpread())
                        + plan.ring().toMillis() + 500)) + 30_000;
                List<String> queued = outcomes.stream().filter(HotlineCaller.Outcome::queued)
                        .map(o -> o.agi().callId()).toList();
                waitUntil(() -> connects.keySet().containsAll(queued) && desks.poppedAt().keySet().containsAll(queued),
                        Duration.ofMillis(limitMs), null);
                List<Answered> answered = new ArrayList<>();
                for (HotlineCaller.Outcome o : outcomes) {
                    String id = o.agi().callId();
                    AgentConnect c = connects.get(id);
                    Long popped = desks.poppedAt().get(id);
                    String intakeOutcome = o.agi().variables().getOrDefault("IVR_INTAKE", o.agi().outcome());
                    answered.add(new Answered(c == null ? -1 : (c.receivedNanos() - o.arrivedNanos()) / 1e9, intakeOutcome,
                            desks.draftStatus().getOrDefault(id, "no pop"),
                            c == null || popped == null ? Double.NaN : (popped - c.receivedNanos()) / 1e6));
                }
                AmiServerSimulator.Stats stats = asterisk.stats();
                err.printf("bench queue: %d joined, %d answered, %d abandoned%n", stats.joined(), stats.answered(),
                        stats.abandoned());
                return new Run(answered, stats);
            } finally {
                server.shutdown(Duration.ofSeconds(5));
            }
        }
    }

    /** Places every caller at its arrival time on its own virtual thread, as Asterisk would. */
    private static List<CompletableFuture<HotlineCaller.Outcome>> place(Plan plan, HotlineServer server,
            AmiServerSimulator asterisk) throws InterruptedException {
        SimulatedCall.Options base = SimulatedCall.Options.defaults().withPromptTime(plan.promptTime());
        List<CompletableFuture<HotlineCaller.Outcome>> calls = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < plan.callers(); i++) {
            long waitNanos = Math.round(plan.arrivalS()[i] * 1e9) - (System.nanoTime() - t0);
            if (waitNanos > 0) {
                Thread.sleep(Duration.ofNanos(waitNanos));
            }
            Path voice = plan.voices().isEmpty() ? null : plan.voices().get(i % plan.voices().size());
            // Hang up only if intake held the caller far longer than any clip lasts: a stuck capture shows as abandoned.
            AudioSocketCaller.Options audio = AudioSocketCaller.Options.defaults().withHangUpAfter(Duration.ofSeconds(90));
            SimulatedCall.Options o = base.withCaller("139" + String.format("%08d", i))
                    .withAudio((uuid, at) -> AudioSocketCaller.exec(uuid, at, voice, audio));
            calls.add(CompletableFuture.supplyAsync(() -> HotlineCaller.call(server.agiAddress(), o, asterisk),
                    r -> Thread.ofVirtual().start(r)));
        }
        return calls;
    }

    private static Map<String, Object> report(Plan plan, Path clipsDir, Run with, Run without) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("bench", "queue");
        r.put("callers", plan.callers());
        r.put("agents", plan.agents());
        r.put("minutes", plan.minutes());
        r.put("talk_s", plan.talk().toMillis() / 1000.0);
        r.put("talk_spread", plan.talkSpread());
        r.put("ring_s", plan.ring().toMillis() / 1000.0);
        r.put("seed", plan.seed());
        r.put("voices", plan.voices().isEmpty() ? "silent callers (no clips in " + clipsDir + ")"
                : plan.voices().size() + " real Mandarin clips from " + clipsDir + ", streamed by AudioSocketCaller");
        double transfer = plan.promptTime().toMillis() / 1000.0;
        r.put("transfer_line_s", transfer);
        r.put("transfer_line_note", "the simulated Asterisk plays every prompt, the transfer line included, in"
                + " --prompt-ms; a real transfer line lasts as long as its recording");
        List<Map<String, Object>> perCaller = new ArrayList<>();
        List<Double> diffs = new ArrayList<>();
        for (int i = 0; i < plan.callers(); i++) {
            Answered a = with.callers().get(i);
            Answered b = without.callers().get(i);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("arrival_s", round(plan.arrivalS()[i], 2));
            c.put("with_intake_s", a.toAgentS() < 0 ? null : round(a.toAgentS(), 2));
            c.put("without_intake_s", b.toAgentS() < 0 ? null : round(b.toAgentS(), 2));
            if (a.toAgentS() >= 0 && b.toAgentS() >= 0) {
                double d = a.toAgentS() - b.toAgentS();
                diffs.add(d);
                c.put("diff_s", round(d, 2));
            } else {
                c.put("diff_s", null);
            }
            c.put("intake_outcome", a.intake());
            c.put("pop_draft", a.draftStatus());
            perCaller.add(c);
        }
        r.put("per_caller", perCaller);
        diffs.sort(null);
        double max = diffs.isEmpty() ? Double.NaN : diffs.get(diffs.size() - 1);
        r.put("compared", diffs.size());
        r.put("max_diff_s", diffs.isEmpty() ? null : round(max, 2));
        r.put("p50_diff_s", diffs.isEmpty() ? null : round(percentile(diffs, 0.50), 2));
        r.put("p99_diff_s", diffs.isEmpty() ? null : round(percentile(diffs, 0.99), 2));
        r.put("callers_over_3s", diffs.stream().filter(d -> d > 3).count());
        r.put("callers_over_transfer_line", diffs.stream().filter(d -> d > transfer).count());
        r.put("target_3s_met", !diffs.isEmpty() && diffs.size() == plan.callers() && max <= 3.0);
        Map<String, Object> runs = new LinkedHashMap<>();
        runs.put("with_intake", summary(with));
        runs.put("without_intake", summary(without));
        r.put("answered", both(with.queue().answered(), without.queue().answered()));
        r.put("abandoned", both(with.queue().abandoned(), without.queue().abandoned()));
        r.put("drafts_complete_at_answer", both(draftsComplete(with), draftsComplete(without)));
        r.put("pop_latency_ms", both(popLatency(with), popLatency(without)));
        r.put("runs", runs);
        return r;
    }

    private static Map<String, Object> summary(Run run) {
        Map<String, Object> s = new LinkedHashMap<>();
        List<Double> toAgent = new ArrayList<>();
        Map<String, Integer> intake = new TreeMap<>();
        Map<String, Integer> drafts = new TreeMap<>();
        for (Answered a : run.callers()) {
            if (a.toAgentS() >= 0) {
                toAgent.add(a.toAgentS());
            }
            intake.merge(a.intake(), 1, Integer::sum);
            drafts.merge(a.draftStatus(), 1, Integer::sum);
        }
        toAgent.sort(null);
        s.put("answered", run.queue().answered());
        s.put("abandoned", run.queue().abandoned());
        Map<String, Object> times = new LinkedHashMap<>();
        times.put("p50", round(percentile(toAgent, 0.5), 2));
        times.put("p99", round(percentile(toAgent, 0.99), 2));
        times.put("max", round(percentile(toAgent, 1), 2));
        times.put("mean", round(toAgent.stream().mapToDouble(Double::doubleValue).average().orElse(0), 2));
        s.put("time_to_agent_s", times);
        s.put("intake_outcomes", intake);
        s.put("pop_draft_status", drafts);
        return s;
    }

    private static Map<String, Object> both(Object withIntake, Object withoutIntake) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("with_intake", withIntake);
        m.put("without_intake", withoutIntake);
        return m;
    }

    /** AgentConnect received → the pop at the agent's desk, over the answered calls of one run. */
    private static Map<String, Object> popLatency(Run run) {
        List<Double> pops = new ArrayList<>(run.callers().stream().filter(a -> !Double.isNaN(a.popMs())).map(Answered::popMs).toList());
        pops.sort(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", round(percentile(pops, 0.5), 1));
        m.put("p99", round(percentile(pops, 0.99), 1));
        m.put("count", pops.size());
        return m;
    }

    /** Answered calls whose first pop already carried the draft (status ok, not pending/missing). */
    private static double draftsComplete(Run run) {
        long answered = run.callers().stream().filter(a -> a.toAgentS() >= 0).count();
        long ok = run.callers().stream().filter(a -> a.toAgentS() >= 0 && "ok".equals(a.draftStatus())).count();
        return answered == 0 ? 0 : round((double) ok / answered, 3);
    }

    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int idx = (int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(p * sorted.size()) - 1));
        return sorted.get(idx);
    }

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static void waitUntil(java.util.function.BooleanSupplier done, Duration limit, String failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                if (failure != null) {
                    throw new IllegalStateException("bench queue: " + failure + " within " + limit.toSeconds() + " s");
                }
                return;
            }
            Thread.sleep(20);
        }
    }
}
