package cn.hotline.ivr.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.testing.Await;
import cn.hotline.ivr.testing.LogCapture;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a connection must do, and how fast, before it is a desk: {@code agent.request-timeout} (set through the
 * configuration file, as an operator would) for each request and for the auth message, the request size limits,
 * and the cap on connections that are not desks yet. Real sockets on loopback.
 */
class DeskAdmissionTest {
    private static final String TOKEN1 = ScreenPopTest.TOKEN1;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ScreenPops pops;
    private AgentDeskServer server;

    private AgentDeskServer start(String extraYaml) throws Exception {
        AgentSettings settings = Settings.read(ConfigFile.fromYaml("ivr.yaml", """
                agent:
                  enabled: true
                  bind: 127.0.0.1:0
                  tokens: { agent1: %s }
                %s""".formatted(TOKEN1, extraYaml.indent(2)), Path.of("."), Map.of())).agent();
        pops = new ScreenPops(settings, new FakeDraftStore(), registry);
        server = AgentDeskServer.start(settings, pops);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (pops != null) {
            pops.close();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.address().getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    /** Milliseconds until the server closes {@code s} (reads until end of stream; fails after 10 s). */
    private static long millisUntilClosed(Socket s, long startNanos) throws IOException {
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // whatever the server says before closing
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within 10 s");
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private double dropped(String reason) {
        Counter c = registry.find("ivr.agent.desk.dropped").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aSocketThatSendsNothingOrHalfARequestIsClosedWithinTheBound() throws Exception {
        start("request-timeout: 1s");
        try (LogCapture log = new LogCapture(AgentDeskServer.class);
             Socket silent = connect(); Socket half = connect(); Socket trickle = connect()) {
            long start = System.nanoTime();
            half.getOutputStream().write("GET /desk.js HT".getBytes(StandardCharsets.US_ASCII));
            // Slowloris: a byte every 200 ms keeps a read-idle timer from ever firing, not this one.
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (char c : "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".toCharArray()) {
                        trickle.getOutputStream().write(c);
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by the server, as it should be
                }
            });
            long silentMs = millisUntilClosed(silent, start);
            long halfMs = millisUntilClosed(half, start);
            long trickleMs = millisUntilClosed(trickle, start);
            writer.join(5_000);
            for (long ms : new long[] {silentMs, halfMs, trickleMs}) {
                assertTrue(ms >= 900 && ms < 3_000, "closed after " + ms + " ms, bound 1 s");
            }
            Await.until("logged", Duration.ofSeconds(5), () -> log.lines().size() >= 3);
            assertTrue(log.any("INFO", "agent desk connection from /127.0.0.1:"), log.lines().toString());
            assertEquals(1, log.lines().stream().filter(l -> l.matches("INFO \\[-] agent desk connection from /127\\.0\\.0\\.1:\\d+"
                    + " closed: no HTTP request within 1 s \\(agent\\.request-timeout\\)")).count(), log.lines().toString());
            assertEquals(2, log.lines().stream().filter(l -> l.matches("INFO \\[-] agent desk connection from /127\\.0\\.0\\.1:\\d+"
                    + " closed: HTTP request not complete within 1 s \\(agent\\.request-timeout\\)")).count(), log.lines().toString());
            assertEquals(1, dropped("no-request"));
            assertEquals(2, dropped("incomplete-request"));
        }
    }

    @Test
    void aDeskThatOpensTheWebSocketButNeverSignsInIsClosedWithAReason() throws Exception {
        start("request-timeout: 1s");
        try (LogCapture log = new LogCapture(AgentDeskServer.class);
             DeskClient mute = new DeskClient(server, "/desk")) {
            long start = System.nanoTime();
            // Not 1008: the page reconnects after this one, where a refused token makes it stop.
            assertEquals("4408 no auth message within 1 s", mute.closed.get(10, TimeUnit.SECONDS));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 800 && ms < 3_000, "closed after " + ms + " ms");
            assertTrue(mute.messages.isEmpty(), "nothing sent to a desk that did not sign in: " + mute.messages);
            assertTrue(log.any("INFO", "closed: no auth message within 1 s (agent.request-timeout)"), log.lines().toString());
            assertEquals(1, dropped("no-auth"));
        }
    }

    @Test
    void thePageAndASignedInDeskOutliveTheBound() throws Exception {
        start("request-timeout: 1s");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + server.address().getPort();
        for (String path : List.of("/", "/desk.js", "/desk.css")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path);
        }
        try (DeskClient alice = new DeskClient(server, "agent1", TOKEN1)) {
            alice.next("hello");
            Thread.sleep(2_500);   // more than twice the request timeout: the desk is governed by the keepalive now
            alice.send("{\"type\":\"ping\"}");
            alice.next("pong");
            assertEquals(1, pops.connectedDesks());
            assertTrue(!alice.closed.isDone(), "desk still open");
        }
        // The page's keep-alive connection idling after its last request is closed quietly, and not counted.
        Thread.sleep(1_500);
        assertEquals(0, dropped("no-request") + dropped("incomplete-request") + dropped("no-auth"));
        HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, again.statusCode(), "a fresh connection after the idle one was closed");
    }

    @Test
    void tooLongRequestLinesAndHeadersAreAnsweredNotBuffered() throws Exception {
        start("");
        try (Socket s = connect()) {
            s.getOutputStream().write(("GET /" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 414 "), answer);
            assertTrue(answer.contains("request line longer than 4096 bytes"), answer);
        }
        try (Socket s = connect()) {
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\n" + "X-Pad: " + "b".repeat(9_000) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 431 "), answer);
            assertTrue(answer.contains("request headers longer than 8192 bytes"), answer);
        }
    }

    @Test
    void connectionsThatAreNotDesksYetAreCapped() throws Exception {
        start("max-desks: 2");
        List<Socket> idle = new ArrayList<>();
        try (LogCapture log = new LogCapture(AgentDeskServer.class)) {
            idle.add(connect());
            idle.add(connect());
            Thread.sleep(200);   // both accepted and counted
            try (Socket third = connect()) {
                assertEquals(-1, third.getInputStream().read(), "closed at once");
            }
            assertEquals(1, dropped("too-many-connecting"));
            assertTrue(log.any("WARN", "refused: 2 connections are still loading the page or signing in (agent.max-desks)"),
                    log.lines().toString());
            idle.forEach(s -> {
                try {
                    s.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            idle.clear();
            // The room frees up as they go; a signed-in desk no longer counts against it.
            Await.until("room again", Duration.ofSeconds(5), () -> {
                try (DeskClient d = new DeskClient(server, "agent1", TOKEN1)) {
                    d.next("hello");
                    return true;
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            try (DeskClient desk = new DeskClient(server, "agent1", TOKEN1); Socket a = connect(); Socket b = connect()) {
                desk.next("hello");
                Thread.sleep(200);
                try (Socket c = connect()) {
                    assertEquals(-1, c.getInputStream().read(), "two connecting besides the desk: the third is refused");
                }
            }
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }
}
