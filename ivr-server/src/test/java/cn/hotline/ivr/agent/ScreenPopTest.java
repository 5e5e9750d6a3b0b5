package cn.hotline.ivr.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.sim.ami.AmiServerSimulator;
import cn.hotline.ivr.sim.ami.AmiSimulatorConfig;
import cn.hotline.ivr.telephony.ami.AmiClient;
import cn.hotline.ivr.telephony.ami.AmiSettings;
import cn.hotline.ivr.testing.Await;
import cn.hotline.ivr.testing.LogCapture;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** AMI simulator → AMI client → screen pops → Netty WebSocket → a real WebSocket client, all over loopback. */
class ScreenPopTest {
    static final String TOKEN1 = "token-agent1-0123456789";
    static final String TOKEN2 = "token-agent2-0123456789";
    private AmiServerSimulator sim;
    private AmiClient ami;
    private ScreenPops pops;
    private AgentDeskServer server;
    private final FakeDraftStore store = new FakeDraftStore();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        sim = AmiServerSimulator.start(AmiSimulatorConfig.defaults().withTiming(Duration.ofMillis(30), Duration.ZERO),
                new InetSocketAddress("127.0.0.1", 0));
        ami = new AmiClient(AmiSettings.of("127.0.0.1", sim.port(), "hotline", "hotline123", sim.queueName()), registry);
        ami.start();
        AgentSettings settings = AgentSettings.of(new InetSocketAddress("127.0.0.1", 0),
                Map.of("agent1", TOKEN1, "agent2", TOKEN2), Map.of("agent1", List.of("Local/agent1@agents")));
        pops = new ScreenPops(settings, store, registry);
        pops.bind(ami);
        server = AgentDeskServer.start(settings, pops);
        Await.until("AMI connected", Duration.ofSeconds(10), () -> ami.isConnected() && ami.queueState().synced(sim.queueName()));
    }

    @AfterEach
    void stop() {
        server.close();
        pops.close();
        ami.close();
        sim.close();
    }

    private String callerAnsweredBy(String expectedIface) {
        String id = sim.newUniqueid();
        sim.callerJoins(id, "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);
        Await.until("answered by " + expectedIface, Duration.ofSeconds(10), () -> ami.queueState().members(sim.queueName())
                .stream().anyMatch(m -> m.iface().equals(expectedIface) && m.inCall()));
        return id;
    }

    @Test
    void theAnsweringAgentsDeskGetsTheDraftAndHearsWhenTheCallEnds() throws Exception {
        try (DeskClient alice = new DeskClient(server, "agent1", TOKEN1);
             DeskClient bob = new DeskClient(server, "agent2", TOKEN2)) {
            assertEquals("agent1", alice.next("hello").path("agent").asText());
            bob.next("hello");
            String id = sim.newUniqueid();
            store.drafts.put(id, FakeDraftStore.waterOutage(id));
            sim.callerJoins(id, "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);

            JsonNode pop = alice.next("pop");
            assertEquals(id, pop.path("callId").asText());
            assertEquals("ok", pop.path("draftStatus").asText());
            assertEquals("13800000001", pop.path("callerNumber").asText());
            assertEquals("Alice", pop.path("memberName").asText());
            JsonNode fields = pop.path("draft").path("fields");
            assertEquals("requestType", fields.get(0).path("key").asText());
            assertEquals("投诉", fields.get(0).path("value").asText());
            assertEquals(0.86, fields.get(0).path("confidence").asDouble());
            assertEquals(22, fields.get(0).path("evidence").get(0).path("start").asInt());
            assertEquals("D-" + id, pop.path("draft").path("draftId").asText());
            assertNull(bob.messages.poll(200, TimeUnit.MILLISECONDS), "only the answering agent's desk pops");

            Await.until("latency recorded", Duration.ofSeconds(5),
                    () -> registry.find("ivr.screen.pop.latency").timer() != null
                            && registry.find("ivr.screen.pop.latency").timer().count() == 1);

            assertTrue(sim.agentHangsUp("Local/agent1@agents"));
            JsonNode ended = alice.next("ended");
            assertEquals(id, ended.path("callId").asText());
            assertEquals("agent", ended.path("reason").asText());
        }
    }

    @Test
    void aWrongTokenIsClosedWithAReasonThePageCanShow() throws Exception {
        try (DeskClient intruder = new DeskClient(server, "agent1", "guess-guess-guess")) {
            assertEquals("1008 invalid token for agent 'agent1'", intruder.closed.get(10, TimeUnit.SECONDS));
        }
        try (DeskClient nobody = new DeskClient(server, "agent9", TOKEN1)) {
            assertEquals("1008 invalid token for agent 'agent9'", nobody.closed.get(10, TimeUnit.SECONDS));
        }
        try (DeskClient anonymous = new DeskClient(server, "/desk")) {
            anonymous.send("{\"type\":\"auth\",\"agent\":\"agent1\"}");
            assertEquals("1008 missing agent or token: " + AgentDeskServer.AUTH_FIRST, anonymous.closed.get(10, TimeUnit.SECONDS));
        }
        assertEquals(0, pops.connectedDesks());
    }

    @Test
    void theTokenTravelsInTheFirstMessageAndNothingIsReadBeforeIt() throws Exception {
        try (LogCapture log = new LogCapture(AgentDeskServer.class)) {
            // The URL carries no token (a proxy's access log records URLs); the first message signs the desk in.
            try (DeskClient alice = new DeskClient(server, "agent1", TOKEN1)) {
                assertEquals("agent1", alice.next("hello").path("agent").asText());
                assertEquals(1, pops.connectedDesks());
            }
            // Anything before the auth message is refused, not read: a correction, a ping, text that is no JSON.
            for (String first : List.of("{\"type\":\"correction\",\"callId\":\"1.1\",\"field\":\"region\"}",
                    "{\"type\":\"ping\"}", "agent1 " + TOKEN1)) {
                try (DeskClient early = new DeskClient(server, "/desk")) {
                    early.send(first);
                    assertEquals("1008 " + AgentDeskServer.AUTH_FIRST, early.closed.get(10, TimeUnit.SECONDS), first);
                    assertTrue(early.messages.isEmpty(), "no hello, no pong: " + early.messages);
                }
            }
            // A second auth message on a signed-in desk changes nothing (the desk stays agent1's).
            try (DeskClient alice = new DeskClient(server, "agent1", TOKEN1)) {
                alice.next("hello");
                alice.send("{\"type\":\"auth\",\"agent\":\"agent2\",\"token\":\"" + TOKEN2 + "\"}");
                alice.send("{\"type\":\"ping\"}");
                alice.next("pong");
                assertEquals(1, pops.desks().deskCount("agent1"));
                assertEquals(0, pops.desks().deskCount("agent2"));
            }
            Await.until("refusals logged", Duration.ofSeconds(5), () -> log.lines().stream()
                    .filter(l -> l.contains("desk refused")).count() == 3);
            assertTrue(log.lines().stream().noneMatch(l -> l.contains(TOKEN1) || l.contains(TOKEN2)), log.lines().toString());
        }
    }

    @Test
    void aTokenInTheUrlStillWorksThisReleaseWithAWarningOncePerAgent() throws Exception {
        try (LogCapture log = new LogCapture(AgentDeskServer.class)) {
            for (int i = 0; i < 2; i++) {
                try (DeskClient legacy = new DeskClient(server, "/desk?agent=agent1&token=" + TOKEN1)) {
                    assertEquals("agent1", legacy.next("hello").path("agent").asText());
                }
            }
            try (DeskClient legacy = new DeskClient(server, "/desk?agent=agent2&token=" + TOKEN2)) {
                legacy.next("hello");
            }
            try (DeskClient wrong = new DeskClient(server, "/desk?agent=agent1&token=guess-guess-guess")) {
                assertEquals("1008 invalid token for agent 'agent1'", wrong.closed.get(10, TimeUnit.SECONDS));
            }
            String warning = "sent its token in the /desk URL, which proxies write to their logs: send"
                    + " {\"type\":\"auth\",\"agent\":..,\"token\":..} as the first WebSocket message instead (see docs/agent.md);"
                    + " tokens in the URL will be refused from the next release";
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("WARN") && l.contains("desk of agent agent1 " + warning)).count(),
                    log.lines().toString());
            assertEquals(1, log.lines().stream().filter(l -> l.contains("desk of agent agent2 " + warning)).count(),
                    log.lines().toString());
            assertTrue(log.lines().stream().noneMatch(l -> l.contains(TOKEN1) || l.contains(TOKEN2) || l.contains("guess-guess")),
                    log.lines().toString());
        }
    }

    @Test
    void aDeskThatConnectsLateGetsTheCurrentCallButNotAnEndedOne() throws Exception {
        String id = callerAnsweredBy("Local/agent1@agents");
        Await.until("pop prepared", Duration.ofSeconds(5), () -> registry.find("ivr.screen.pops").counter() != null);
        try (DeskClient late = new DeskClient(server, "agent1", TOKEN1)) {
            late.next("hello");
            JsonNode pop = late.next("pop");
            assertEquals(id, pop.path("callId").asText());
            assertEquals("missing", pop.path("draftStatus").asText(), "no draft was written for this caller");
        }
        sim.agentHangsUp("Local/agent1@agents");
        Await.until("call ended", Duration.ofSeconds(5), () -> !pops.desks().isCurrent("agent1", id));
        try (DeskClient later = new DeskClient(server, "agent1", TOKEN1)) {
            later.next("hello");
            // A desk that was away (a network blip) learns that the call it shows has ended; no pop.
            JsonNode ended = later.messages.poll(5, TimeUnit.SECONDS);
            assertEquals("ended", ended == null ? null : ended.path("type").asText(), String.valueOf(ended));
            assertEquals(id, ended.path("callId").asText());
            assertNull(later.messages.poll(300, TimeUnit.MILLISECONDS), "nothing to pop after the call ended");
        }
    }

    @Test
    void theDeskPopsEvenWhenTheDraftStoreFailsOrIsSlow() throws Exception {
        try (DeskClient alice = new DeskClient(server, "agent1", TOKEN1)) {
            alice.next("hello");
            sim.pause("Local/agent2@agents", true, "so that every call goes to agent1");
            store.failure = "disk unavailable";
            callerAnsweredBy("Local/agent1@agents");
            JsonNode pop = alice.next("pop");
            assertEquals("unavailable", pop.path("draftStatus").asText());
            assertTrue(pop.path("draftError").asText().contains("disk unavailable"));
            assertEquals("13800000001", pop.path("callerNumber").asText(), "the caller is still shown");
            sim.agentHangsUp("Local/agent1@agents");
            alice.next("ended");

            store.failure = null;
            store.delayMillis = 1_500;   // ten times the lookup timeout: "pending" first even on a starved machine
            String id = sim.newUniqueid();
            store.drafts.put(id, FakeDraftStore.waterOutage(id));
            sim.callerJoins(id, "Local/13800000002@queue-callers-00000001;2", "13800000002", 0);
            JsonNode first = alice.next("pop");
            assertEquals("pending", first.path("draftStatus").asText(), "a slow store does not hold the pop back");
            JsonNode second = alice.next("pop");
            assertEquals("ok", second.path("draftStatus").asText());
            assertEquals(id, second.path("draft").path("callId").asText());
        }
    }

    @Test
    void correctionsAreCountedPerFieldForCallsPoppedToTheAgentOnly() throws Exception {
        try (DeskClient alice = new DeskClient(server, "agent1", TOKEN1);
             LogCapture log = new LogCapture(ScreenPops.class)) {
            alice.next("hello");
            String id = callerAnsweredBy("Local/agent1@agents");
            alice.next("pop");
            alice.send("{\"type\":\"correction\",\"callId\":\"" + id + "\",\"field\":\"region\"}");
            alice.send("not json");
            Await.until("correction counted", Duration.ofSeconds(5),
                    () -> registry.find("ivr.screen.pop.corrections").tag("field", "region").counter() != null);
            assertTrue(log.any("INFO [" + id + "]", "agent agent1 corrected field region"), log.lines().toString());

            // A call that never went to this agent: refused, one WARN with the id masked, an error to the desk.
            alice.send("{\"type\":\"correction\",\"callId\":\"13812345678\",\"field\":\"<b>\"}");
            JsonNode error = alice.next("error");
            assertTrue(error.path("message").asText().contains("not popped to agent agent1"), error.toString());
            assertTrue(log.any("WARN [-]", "desk of agent agent1 sent a correction for call '138****5678', which was not popped to it"),
                    log.lines().toString());
            // Its own call, but a field no pop carries.
            alice.send("{\"type\":\"correction\",\"callId\":\"" + id + "\",\"field\":\"<b>13812345678\"}");
            assertTrue(alice.next("error").path("message").asText().startsWith("correction ignored: unknown field (known: "));
            assertTrue(log.any("WARN [" + id + "]", "desk of agent agent1 sent a correction for an unknown field; ignored"));
            // Agent 2 cannot correct agent 1's call.
            try (DeskClient bob = new DeskClient(server, "agent2", TOKEN2)) {
                bob.next("hello");
                bob.send("{\"type\":\"correction\",\"callId\":\"" + id + "\",\"field\":\"topic\"}");
                bob.next("error");
            }
            assertEquals(List.of("region"), registry.find("ivr.screen.pop.corrections").counters().stream()
                    .map(c -> c.getId().getTag("field")).toList());
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("13812345678") || l.contains("<b>")), log.lines().toString());
            assertEquals(3, log.lines().stream().filter(l -> l.startsWith("WARN")).count(), log.lines().toString());
        }
    }

    /** A raw WebSocket handshake for /desk as agent1, with {@code extraHeaders}; returns what the server answers first. */
    private String handshake(String query, String extraHeaders) throws Exception {
        try (Socket raw = new Socket("127.0.0.1", server.address().getPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(("GET /desk" + (query.isEmpty() ? "" : "?" + query) + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.address().getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[4096];
            int n = raw.getInputStream().read(buf);
            return new String(buf, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aPageFromAnotherSiteCannotOpenADesk() throws Exception {
        // A page on another site that learnt (or guesses) the token must not open a desk in the agent's browser.
        try (LogCapture log = new LogCapture(AgentDeskServer.class)) {
            String foreign = handshake("", "Origin: http://evil.example\r\n");
            assertTrue(foreign.startsWith("HTTP/1.1 403 "), foreign);
            assertTrue(foreign.contains("origin 'http://evil.example' may not open a desk: open the agent page from this"
                    + " server, or list that origin in agent.origins"), foreign);
            assertTrue(log.any("WARN", "desk refused from /127.0.0.1"), log.lines().toString());
            assertTrue(handshake("", "Origin: null\r\n").startsWith("HTTP/1.1 403 "));
            assertTrue(handshake("agent=agent1&token=" + TOKEN1, "Origin: http://evil.example\r\n").startsWith("HTTP/1.1 403 "),
                    "a token in the URL does not get past the Origin check either");
        }
        // The page's own origin, and clients that send none (CTI, benchmarks), are let in.
        String own = handshake("", "Origin: http://127.0.0.1:" + server.address().getPort() + "\r\n");
        assertTrue(own.startsWith("HTTP/1.1 101 "), own);
        assertTrue(handshake("", "").startsWith("HTTP/1.1 101 "));
    }

    @Test
    void aMadeUpAgentIdIsNeitherLoggedRawNorEchoedPastTheCloseFrameLimit() throws Exception {
        String hostile = "agent1\r\nINFO fake line " + "x".repeat(200);
        try (LogCapture log = new LogCapture(AgentDeskServer.class);
             DeskClient intruder = new DeskClient(server, hostile, TOKEN1)) {
            String closed = intruder.closed.get(10, TimeUnit.SECONDS);
            assertTrue(closed.startsWith("1008 invalid token for agent 'agent1??INFO fake line xxx"), closed);
            // A close frame's reason has room for 123 bytes (RFC 6455 5.5): a longer one is a protocol error.
            assertTrue(closed.substring(5).getBytes(StandardCharsets.UTF_8).length <= 123, closed);
            Await.until("logged", Duration.ofSeconds(5), () -> log.any("WARN", "desk refused"));
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("\n") || l.contains("\r") || l.contains("x".repeat(100))),
                    log.lines().toString());
        }
    }

    @Test
    void aPendingPopIsFollowedByWhatTheStoreFinallySaid() throws Exception {
        try (DeskClient alice = new DeskClient(server, "agent1", TOKEN1)) {
            alice.next("hello");
            sim.pause("Local/agent2@agents", true, "so that every call goes to agent1");
            store.delayMillis = 1_500;   // no draft, and slow to say so
            String id = callerAnsweredBy("Local/agent1@agents");
            assertEquals("pending", alice.next("pop").path("draftStatus").asText());
            JsonNode outcome = alice.next("pop");
            assertEquals(id, outcome.path("callId").asText());
            assertEquals("missing", outcome.path("draftStatus").asText(), "the desk must not show 'loading' for the whole call");
        }
    }

    @Test
    void aDraftThatLandsAfterTheAnswerStillReachesTheDesk() throws Exception {
        try (DeskClient alice = new DeskClient(server, "agent1", TOKEN1)) {
            alice.next("hello");
            sim.pause("Local/agent2@agents", true, "so that every call goes to agent1");
            String id = callerAnsweredBy("Local/agent1@agents");
            assertEquals("missing", alice.next("pop").path("draftStatus").asText());
            store.drafts.put(id, FakeDraftStore.waterOutage(id));   // still being written when the agent answered
            JsonNode follow = alice.next("pop");
            assertEquals("ok", follow.path("draftStatus").asText());
            assertEquals("D-" + id, follow.path("draft").path("draftId").asText());
        }
    }

    @Test
    void garbageInsteadOfHttpGetsA400() throws Exception {
        try (Socket raw = new Socket("127.0.0.1", server.address().getPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write("\u0016\u0003\u0001 not http at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(raw.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
            assertTrue(answer.contains("not an HTTP request"), answer);
        }
    }

    /** One masked (zero mask) text frame as a client sends it, for payloads under 126 bytes. */
    static byte[] textFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(6 + payload.length);
        frame.put((byte) 0x81).put((byte) (0x80 | payload.length)).putInt(0).put(payload);
        return frame.array();
    }

    @Test
    void aTooLongMessageClosesTheDeskWithAPlainLogLine() throws Exception {
        // A raw socket: java.net.http splits a long message into frames, a browser sends one.
        try (Socket raw = new Socket("127.0.0.1", server.address().getPort());
             LogCapture log = new LogCapture(AgentDeskServer.class)) {
            raw.getOutputStream().write(("GET /desk HTTP/1.1\r\nHost: x\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // A client sends no frame before the server's 101 (RFC 6455 4.1).
            String switched = new String(raw.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 101", switched);
            raw.getOutputStream().write(textFrame("{\"type\":\"auth\",\"agent\":\"agent1\",\"token\":\"" + TOKEN1 + "\"}"));
            Await.until("desk connected", Duration.ofSeconds(5), () -> pops.connectedDesks() == 1);
            // One masked text frame of 70,000 bytes (over the 64 KiB limit): FIN+text, mask bit + 64-bit length, zero mask.
            java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(14 + 70_000);
            frame.put((byte) 0x81).put((byte) (0x80 | 127)).putLong(70_000).putInt(0);
            frame.put("x".repeat(70_000).getBytes(StandardCharsets.US_ASCII));
            raw.getOutputStream().write(frame.array());
            Await.until("logged", Duration.ofSeconds(5), () -> log.any("WARN", "desk of agent agent1 failed"));
            assertTrue(log.any("WARN", "desk of agent agent1 failed: Max frame length of 65536 has been exceeded"),
                    log.lines().toString());
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("Exception")), log.lines().toString());
        }
    }

    @Test
    void aPlainRequestOnTheDeskPathGetsAnAnswerNotSilence() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + server.address().getPort();
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(base + "/desk?agent=agent1"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(426, plain.statusCode());
        assertEquals("/desk is the desk's WebSocket; open the agent page at / instead\n", plain.body());
        assertEquals("websocket", plain.headers().firstValue("upgrade").orElse(""));
        // An upgrade Netty cannot complete (no Sec-WebSocket-Key) is a 400, not a hang either.
        try (Socket raw = new Socket("127.0.0.1", server.address().getPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(("GET /desk HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(raw.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        }
    }

    @Test
    void thePageIsServedAndUnknownPathsAreNot() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.address().getPort();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("desk.js"));
        HttpResponse<String> js = http.send(HttpRequest.newBuilder(URI.create(base + "/desk.js")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(js.body().contains("new WebSocket"));
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + "/etc/passwd")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }
}
