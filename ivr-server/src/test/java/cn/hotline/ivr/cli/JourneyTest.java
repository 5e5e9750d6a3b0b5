package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.agent.DeskProbe;
import cn.hotline.ivr.flow.HotlineFlow;
import cn.hotline.ivr.flow.IntakeLine;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.sim.AudioSocketCaller;
import cn.hotline.ivr.sim.HotlineCaller;
import cn.hotline.ivr.sim.SimulatedCall;
import cn.hotline.ivr.sim.ami.AmiSimulatorConfig;
import cn.hotline.ivr.testing.LogCapture;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The whole journey with real components on loopback: FastAGI calls from the simulated Asterisk,
 * callers on AudioSocket during intake, the AMI queue, the outbox delivering to the development
 * ticket backend, and the agent's desk receiving the pop.
 */
class JourneyTest {
    private static final String AGENT = "Local/agent1@agents";
    private static final Map<String, String> TOKENS = Map.of("agent1", "journey-token-agent1");
    /** Each simulated caller on its own thread (the common pool has one thread on two cores). */
    private static final java.util.concurrent.Executor CALLER = r -> Thread.ofVirtual().start(r);

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Callers who say nothing: with a minute's no-input time only a preemption ends their intake. */
    private static final SimulatedCall.Options SILENT = SimulatedCall.Options.defaults().withAudio((uuid, at) ->
            AudioSocketCaller.exec(uuid, at, null, AudioSocketCaller.Options.defaults()));

    /** One agent who stays on each call until the test hangs them up; AudioSocket intake, no input for 60 s. */
    private static SimulatedSite streamingSite(String prefix) throws Exception {
        AmiSimulatorConfig ami = AmiSimulatorConfig.defaults().withAgents(1)
                .withTiming(Duration.ofMillis(200), Duration.ZERO);
        return SimulatedSite.start(prefix, ami, TOKENS, Map.of("IVR_SPEECH_VAD_NO_INPUT", "60s"));
    }

    @Test
    void anAgentFreeingUpTakesTheEarliestCallerOutOfIntakeAndTheirDraftPopsOnTheDesk() throws Exception {
        try (LogCapture flowLog = new LogCapture(HotlineFlow.class);
             SimulatedSite site = streamingSite("ivr-journey-");
             HotlineServer server = new HotlineServer(site.settings(), null, Map.of())) {
            server.start();
            await("AMI is logged in", () -> "ok".equals(server.readiness().get("ami")));
            try (DeskProbe desk = DeskProbe.connect("127.0.0.1", server.desks().address().getPort(), TOKENS)) {

                HotlineCaller.Outcome first = HotlineCaller.call(server.agiAddress(),
                        SILENT.withCaller("13800000001"), site.asterisk());
                assertEquals("skipped", first.agi().variables().get("IVR_INTAKE"), "the agent was free");
                await("the agent answers the first caller", () -> site.asterisk().stats().answered() == 1);

                CompletableFuture<HotlineCaller.Outcome> second = CompletableFuture.supplyAsync(() ->
                        HotlineCaller.call(server.agiAddress(), SILENT.withCaller("13800000002"), site.asterisk()), CALLER);
                await("the second caller is in intake", () -> server.intakeLine().size() == 1);
                CompletableFuture<HotlineCaller.Outcome> third = CompletableFuture.supplyAsync(() ->
                        HotlineCaller.call(server.agiAddress(), SILENT.withCaller("13800000003"), site.asterisk()), CALLER);
                await("the third caller is in intake", () -> server.intakeLine().size() == 2);
                assertTrue(server.registry().scrape().contains("ivr_intake_line_describing 2.0"),
                        "operators see the callers in the IVR's line");

                site.asterisk().agentHangsUp(AGENT);
                HotlineCaller.Outcome b = second.get();
                assertEquals("preempted", b.agi().variables().get("IVR_INTAKE"));
                assertTrue(b.queued(), "the preempted caller joined the queue");
                assertEquals(1, server.intakeLine().size(), "the later caller is still describing");
                assertTrue(!third.isDone(), "the later caller must not be taken first");

                String bId = b.agi().callId();
                await("the agent's desk got the second caller's pop", () -> desk.poppedAt().containsKey(bId));
                assertEquals("ok", desk.draftStatus().get(bId), "the pop carried the draft");

                site.asterisk().agentHangsUp(AGENT);
                HotlineCaller.Outcome c = third.get();
                assertEquals("preempted", c.agi().variables().get("IVR_INTAKE"));
                assertTrue(Integer.parseInt(b.agi().variables().get("IVR_QUEUE_PRIO"))
                        >= Integer.parseInt(c.agi().variables().get("IVR_QUEUE_PRIO")), "arrival order is kept");

                HttpClient http = HttpClient.newHttpClient();
                await("every draft reached the ticket backend", () -> {
                    try {
                        JsonNode orders = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(
                                URI.create(site.backend().baseUrl() + "work-orders")).build(),
                                HttpResponse.BodyHandlers.ofString()).body());
                        return orders.size() == 3;
                    } catch (Exception e) {
                        return false;
                    }
                });
                List<String> routes = flowLog.lines().stream().filter(l -> l.contains("route=")).toList();
                assertEquals(3, routes.size(), routes.toString());
                assertTrue(routes.stream().noneMatch(l -> l.contains("[-]")),
                        "every line of a call carries its id, also after intake: " + routes);
            }
        }
    }

    @Test
    void inRecordFileModeAFreeAgentEndsTheEarliestCallersRecordingThroughAmi() throws Exception {
        // Without AudioSocket, RECORD FILE cannot be ended from the AGI session: the server has Asterisk
        // act as if the caller pressed # (AMI PlayDTMF, Receive: true). Callers would talk for 30 s.
        java.nio.file.Path recordings = java.nio.file.Files.createTempDirectory("ivr-journey-rec-");
        try (SimulatedSite site = recordFileSite(recordings);
             HotlineServer server = new HotlineServer(site.settings(), null, Map.of())) {
            occupyTheOnlyAgent(server, site);
            // Simulated callers talk until a recording's time limit (26 s here) unless something ends it.
            SimulatedCall.Options talking = SimulatedCall.Options.defaults();

            long start = System.nanoTime();
            CompletableFuture<HotlineCaller.Outcome> second = CompletableFuture.supplyAsync(() ->
                    HotlineCaller.call(server.agiAddress(), talking.withCaller("13800000002"), site.asterisk()), CALLER);
            await("the second caller is recording", () -> server.intakeLine().size() == 1);
            Thread.sleep(300); // into RECORD FILE, past the invitation
            site.asterisk().agentHangsUp(AGENT);
            HotlineCaller.Outcome b = second.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(20)) < 0,
                    "the recording was ended, not waited out");
            assertEquals("preempted", b.agi().variables().get("IVR_INTAKE"));
            assertTrue(b.queued(), "the preempted caller joined the queue");
            await("the agent answers the second caller", () -> site.asterisk().stats().answered() == 2);
            try (var left = java.nio.file.Files.list(recordings)) {
                assertEquals(0, left.count(), "the recording was deleted");
            }
        }
    }

    @Test
    void inRecordFileModeACallerWhoPausesIsHeardNotTakenForAKey() throws Exception {
        // Asterisk ends a recording on silence with "200 result=<ms left> (timeout)": a number, not a key.
        try (SimulatedSite site = recordFileSite(java.nio.file.Files.createTempDirectory("ivr-journey-rec-"));
             HotlineServer server = new HotlineServer(site.settings(), null, Map.of())) {
            occupyTheOnlyAgent(server, site);
            // The second caller describes their problem for a second and a half, then waits for an answer.
            HotlineCaller.Outcome b = HotlineCaller.call(server.agiAddress(), SimulatedCall.Options.defaults()
                    .withCaller("13800000002").withRecordTalk(Duration.ofMillis(1500)), site.asterisk());
            String recordReply = b.agi().exchanges().stream().filter(e -> e.command().startsWith("RECORD FILE"))
                    .map(SimulatedCall.Exchange::reply).findFirst().orElseThrow();
            assertTrue(recordReply.matches("200 result=[1-9][0-9]* \\(timeout\\) endpos=\\d+"), recordReply);
            assertEquals("completed", b.agi().variables().get("IVR_INTAKE"), "their words were heard");
            assertTrue(b.queued(), "and they joined the queue");
        }
    }

    @Test
    void whenAmiIsLostCallersInIntakeGoToTheQueueAsNewCallersDo() throws Exception {
        try (LogCapture lineLog = new LogCapture(IntakeLine.class);
             SimulatedSite site = streamingSite("ivr-journey-lost-");
             HotlineServer server = new HotlineServer(site.settings(), null, Map.of())) {
            occupyTheOnlyAgent(server, site);
            CompletableFuture<HotlineCaller.Outcome> second = CompletableFuture.supplyAsync(() ->
                    HotlineCaller.call(server.agiAddress(), SILENT.withCaller("13800000002"), site.asterisk()), CALLER);
            await("the second caller is in intake", () -> server.intakeLine().size() == 1);

            // Asterisk restarts and app_queue takes a minute to load: nobody knows whether the agent is free.
            long lostAt = System.nanoTime();
            site.asterisk().restart(Duration.ofSeconds(60));
            HotlineCaller.Outcome b = second.get(20, java.util.concurrent.TimeUnit.SECONDS);
            long afterMs = (System.nanoTime() - lostAt) / 1_000_000;
            assertEquals("preempted", b.agi().variables().get("IVR_INTAKE"));
            assertTrue(b.queued(), "the caller joined the queue");
            assertTrue(afterMs >= 2_500 && afterMs < 15_000, "taken out " + afterMs + " ms after AMI was lost");
            assertEquals(0, server.intakeLine().size());
            assertTrue(lineLog.lines().stream().anyMatch(l -> l.contains("agent availability unknown (AMI connection lost")
                    && l.contains(b.agi().callId())), lineLog.lines().toString());
        }
    }

    /** One agent who stays on each call until the test hangs them up; the server captures with RECORD FILE. */
    private static SimulatedSite recordFileSite(java.nio.file.Path recordings) throws Exception {
        AmiSimulatorConfig ami = AmiSimulatorConfig.defaults().withAgents(1)
                .withTiming(Duration.ofMillis(200), Duration.ZERO);
        return SimulatedSite.start("ivr-journey-rec-", ami, TOKENS, Map.of(
                "IVR_SPEECH_CAPTURE", "record-file", "IVR_SPEECH_RECORD_DIR", recordings.toString()));
    }

    /** Starts the server and puts a first caller through to the only agent, so the next caller gets intake. */
    private static void occupyTheOnlyAgent(HotlineServer server, SimulatedSite site) throws Exception {
        server.start();
        await("AMI is logged in", () -> "ok".equals(server.readiness().get("ami")));
        HotlineCaller.Outcome first = HotlineCaller.call(server.agiAddress(),
                SimulatedCall.Options.defaults().withCaller("13800000001"), site.asterisk());
        assertEquals("skipped", first.agi().variables().get("IVR_INTAKE"), "the agent was free");
        await("the agent answers the first caller", () -> site.asterisk().stats().answered() == 1);
    }
}
