package cn.hotline.ivr.cli;

import cn.hotline.ivr.agent.DeskProbe;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.sim.AudioSocketCaller;
import cn.hotline.ivr.sim.HotlineCaller;
import cn.hotline.ivr.sim.SimulatedCall;
import cn.hotline.ivr.sim.ami.AmiServerSimulator;
import cn.hotline.ivr.sim.ami.AmiSimulatorConfig;
import cn.hotline.ivr.understanding.CallerContext;
import cn.hotline.ivr.understanding.PersonalData;
import cn.hotline.ivr.understanding.Understander;
import cn.hotline.ivr.understanding.Understanding;
import cn.hotline.ivr.workorder.TicketBackend;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code ivr demo}: the whole product on one machine. A development ticket backend, a simulated
 * Asterisk (FastAGI calls, AudioSocket voices, an AMI queue with two agents) and the real server,
 * wired exactly as {@code serve} wires it. A busy period: the first callers find free agents, the
 * next ones describe their problem (real Mandarin clips) until an agent frees up, one presses a key,
 * one uses a line with a menu, one hangs up. It then shows the drafts in the ticket backend and the
 * screen pops the agents' desks received, and exits 0 when every call went as expected.
 */
final class DemoCommand implements Command {
    private static final Map<String, String> TOKENS = Map.of("agent1", "demo-token-agent1", "agent2", "demo-token-agent2");

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String usage() {
        return "demo [--hold S] [--clips DIR]    the whole journey with simulated calls (--hold: keep serving S seconds"
                + " afterwards to open the agent page)";
    }

    private record Caller(String title, SimulatedCall.Options options, long atMs, String expect) {
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        long holdSeconds = args.longValue("--hold", 0);
        Path clipsDir = args.path("--clips", SimulatedSite.defaultClips());
        args.done();
        List<Path> clips = clips(clipsDir);
        int failures = 0;
        try (SimulatedSite site = SimulatedSite.start("ivr-demo-",
                AmiSimulatorConfig.defaults().withTiming(Duration.ofSeconds(1), Duration.ofSeconds(7)), TOKENS, Map.of())) {
            TicketBackend backend = site.backend();
            AmiServerSimulator asterisk = site.asterisk();
            Settings settings = site.settings();
            try (HotlineServer server = new HotlineServer(settings, null, System.getenv())) {
                server.start();
                out.println("== 12345 demo: the real server, a simulated Asterisk, a development ticket backend");
                out.println("ticket backend   " + backend.baseUrl() + "work-orders");
                out.println("operations       http://127.0.0.1:" + server.httpAddress().getPort() + "/metrics");
                out.println("agent pages      " + server.desks().pageUrl("agent1", TOKENS.get("agent1")));
                out.println("                 " + server.desks().pageUrl("agent2", TOKENS.get("agent2")));
                out.println("speech           " + (Files.isDirectory(settings.speech().model())
                        ? "Vosk model " + settings.speech().model()
                        : "NO recognizer model (scripts/fetch-model installs one): end of speech is detected, transcripts stay"
                                + " empty; drafts carry the caller number and the region behind it"));
                out.println("caller voices    " + (clips.isEmpty() ? "none found in " + clipsDir + ": intake callers stay silent"
                        : clips.size() + " real Mandarin clips from " + clipsDir));
                waitForAgents(server, out);
                try (DeskProbe desks = DeskProbe.connect("127.0.0.1", server.desks().address().getPort(), TOKENS)) {
                    failures += busyPeriod(server, asterisk, clips, out);
                    failures += waitForAnswers(asterisk, out);
                    Thread.sleep(500);
                    failures += report(backend, asterisk, desks, out);
                }
                understandingShowcase(settings, out);
                if (holdSeconds > 0) {
                    out.println("serving for " + holdSeconds + " s: open an agent page above, then place calls with"
                            + " scripts/ivr call --agi 127.0.0.1:" + server.agiAddress().getPort());
                    Thread.sleep(holdSeconds * 1000);
                }
            }
        }
        out.println();
        out.println(failures == 0 ? "demo finished: every call went as expected" : "demo: " + failures + " thing(s) went wrong");
        return failures == 0 ? 0 : 1;
    }

    private int busyPeriod(HotlineServer server, AmiServerSimulator asterisk, List<Path> clips, PrintStream out)
            throws Exception {
        SimulatedCall.Options base = SimulatedCall.Options.defaults().withPromptTime(Duration.ofMillis(300));
        List<Caller> callers = new ArrayList<>();
        callers.add(new Caller("agent free: straight to the queue", base.withCaller("13800138001"), 0, "skipped"));
        callers.add(new Caller("agent free: straight to the queue (landline, Hangzhou area code)",
                base.withCaller("057187654321"), 400, "skipped"));
        for (int i = 0; i < 4; i++) {
            Path clip = clips.isEmpty() ? null : clips.get(i % clips.size());
            SimulatedCall.Options o = base.withCaller("1390000000" + i).withAudio((uuid, at) ->
                    AudioSocketCaller.exec(uuid, at, clip, AudioSocketCaller.Options.defaults()));
            callers.add(new Caller("no agent free: describes the problem"
                    + (clip == null ? " (silent)" : " (" + clip.getFileName() + ")"), o, 3000 + 700L * i, "intake"));
        }
        callers.add(new Caller("no agent free: presses a key during the invitation",
                base.withCaller("13700000009").withDigits("1"), 4800, "dtmf"));
        callers.add(new Caller("enterprise line 123458 with a menu: presses 1", base.withDnid("123458")
                .withCaller("13600000001").withDigits("1"), 5500, "menu"));
        callers.add(new Caller("hangs up during the greeting", base.withCaller("13500000001").withHangupAfterMs(100),
                6000, "hangup"));

        out.println();
        out.println("== a busy period: 2 agents, each call lasts 7 s");
        long t0 = System.nanoTime();
        List<CompletableFuture<HotlineCaller.Outcome>> running = new ArrayList<>();
        for (Caller c : callers) {
            long wait = c.atMs() - (System.nanoTime() - t0) / 1_000_000;
            if (wait > 0) {
                Thread.sleep(wait);
            }
            running.add(CompletableFuture.supplyAsync(() -> HotlineCaller.call(server.agiAddress(), c.options(), asterisk),
                    r -> Thread.ofVirtual().start(r)));
        }
        int failures = 0;
        for (int i = 0; i < callers.size(); i++) {
            Caller c = callers.get(i);
            HotlineCaller.Outcome o = running.get(i).get();
            Map<String, String> v = o.agi().variables();
            String intake = v.getOrDefault("IVR_INTAKE", "");
            boolean ok = switch (c.expect()) {
                case "skipped" -> o.queued() && intake.equals("skipped");
                case "intake" -> o.queued() && (intake.equals("completed") || intake.equals("preempted")
                        || intake.equals("no_input"));
                case "dtmf" -> o.queued() && intake.equals("dtmf");
                case "menu" -> "queue-enterprise".equals(o.route());
                default -> o.agi().outcome().equals("caller_hangup") && o.agi().serverClosed();
            };
            failures += ok ? 0 : 1;
            out.printf("%-4s caller %d at %4.1f s, %s%n     -> %s, intake %s, route %s, draft %s, QUEUE_PRIO %s, AGI %d ms%n",
                    ok ? "ok" : "BAD", i + 1, c.atMs() / 1000.0, c.title(), o.agi().outcome(),
                    intake.isEmpty() ? "-" : intake, o.route().isEmpty() ? "-" : o.route(),
                    v.getOrDefault("IVR_DRAFT_ID", "-"), v.getOrDefault("IVR_QUEUE_PRIO", "-"), o.agi().durationMs());
        }
        return failures;
    }

    private static void waitForAgents(HotlineServer server, PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !server.readiness().getOrDefault("ami", "").equals("ok")) {
            Thread.sleep(50);
        }
        out.println("AMI              " + server.readiness().getOrDefault("ami", "?"));
    }

    private static int waitForAnswers(AmiServerSimulator asterisk, PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && (asterisk.callersWaiting() > 0 || asterisk.stats().answered() < asterisk.stats().joined())) {
            Thread.sleep(100);
        }
        AmiServerSimulator.Stats s = asterisk.stats();
        out.println();
        out.println("== the queue: " + s.joined() + " callers joined, " + s.answered() + " answered by an agent, "
                + s.abandoned() + " abandoned");
        return s.answered() == s.joined() ? 0 : 1;
    }

    private static JsonNode workOrders(HttpClient http, TicketBackend backend) throws Exception {
        return Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(backend.baseUrl() + "work-orders")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static int report(TicketBackend backend, AmiServerSimulator asterisk, DeskProbe desks, PrintStream out)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        JsonNode orders = workOrders(http, backend);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int answered = asterisk.stats().answered();
        while (System.nanoTime() < deadline && (orders.size() < answered || desks.poppedAt().size() < answered)) {
            Thread.sleep(200);
            orders = workOrders(http, backend);
        }
        out.println("== drafts in the ticket backend: " + orders.size() + " (GET " + backend.baseUrl() + "work-orders)");
        for (JsonNode o : orders) {
            out.println(draftSummary(o.has("draft") ? o.get("draft") : o));
        }
        out.println("== screen pops received by the agents' desks: " + desks.poppedAt().size() + " of " + answered
                + " answered calls");
        return (orders.size() >= answered ? 0 : 1) + (desks.poppedAt().size() >= answered ? 0 : 1);
    }

    /** One draft as the demo lists it; the caller number masked as in the logs (a demo's output gets pasted around). */
    static String draftSummary(JsonNode d) {
        return String.format("     %s caller %s, intake %s, region %s%s, topic %s", d.path("id").asText(),
                PersonalData.maskNumber(d.path("call").path("callerNumber").asText()), d.path("intake").path("outcome").asText(),
                d.path("region").path("cityName").asText("-"), d.path("region").path("districtName").asText(""),
                d.path("topic").path("label").asText("-"));
    }

    /**
     * What the understanding makes of a caller's words, for typed utterances: without a recognizer model the
     * calls above carry no words, and even with one the clips are read news, not hotline calls.
     */
    private static void understandingShowcase(Settings settings, PrintStream out) throws Exception {
        Understander understander = HotlineServer.understander(settings);
        out.println();
        out.println("== understanding: what a draft holds for a caller's words (typed as a recognizer gives them)");
        String city = settings.understanding().homeCity();
        for (String line : new String(DemoCommand.class.getResourceAsStream("/demo/utterances.txt").readAllBytes(),
                StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                out.print(understandingLines(understander.understand(line.strip(), new CallerContext("", city)), line.strip()));
            }
        }
    }

    /** One utterance and what was understood; numbers masked as in the logs. */
    static String understandingLines(Understanding u, String words) {
        StringBuilder b = new StringBuilder("     \u201c").append(PersonalData.mask(words)).append("\u201d\n");
        Understanding.Region r = u.region();
        String topic = u.topic().department().isEmpty() ? u.topic().label()
                : String.format("%s -> %s (%.2f)", u.topic().label(), u.topic().department(), u.topic().confidence());
        b.append(String.format("       type %s, topic %s, region %s%n", u.requestType().label(), topic,
                r.city().isEmpty() ? "-" : r.city() + r.district() + r.street()));
        if (u.emergency().detected()) {
            b.append(String.format("       EMERGENCY %s: route %s (rule %s)%n", u.emergency().label(), u.emergency().route(),
                    u.emergency().rule()));
        }
        b.append("       summary ").append(PersonalData.mask(u.summary()));
        for (Understanding.Slot s : u.slots()) {
            b.append("; ").append(s.kind()).append(' ').append(PersonalData.mask(s.value()));
        }
        return b.append('\n').toString();
    }

    /** Clips whose words sound like a hotline call (property, parking, police, traffic), longest first. */
    private static List<Path> clips(Path dir) throws IOException {
        List<Path> picked = new ArrayList<>();
        SimulatedSite.transcribedClips(dir).forEach((clip, words) -> {
            if (words.matches(".*(物业|停车|小区|垃圾|报警|交通|事故|房).*")) {
                picked.add(clip);
            }
        });
        picked.sort((a, b) -> Long.compare(b.toFile().length(), a.toFile().length()));
        return picked.subList(0, Math.min(4, picked.size()));
    }
}
