package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How the client classifies what real HTTP servers answer, including the ones that misbehave at the socket level. */
class TicketClientTest {
    private static final byte[] DRAFT = SampleDrafts.complaint("1795448060.1", Instant.now()).toJson();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private interface Answer {
        void answer(HttpExchange ex) throws IOException;
    }

    /** A JDK HttpServer answering every request with {@code answer}; counts requests. */
    private URI server(AtomicInteger requests, Answer answer) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            try (ex) {
                requests.incrementAndGet();
                ex.getRequestBody().readAllBytes();
                answer.answer(ex);
            }
        });
        s.start();
        open.add(() -> s.stop(0));
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/");
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    /** A socket server that reads the request head and then writes {@code raw} and does {@code then}. */
    private URI rawServer(String raw, boolean closeAfter) throws IOException {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(ss);
        Thread.ofPlatform().daemon().start(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    open.add(s);
                    InputStream in = s.getInputStream();
                    in.read(new byte[1 << 16]);
                    OutputStream out = s.getOutputStream();
                    out.write(raw.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (closeAfter) {
                        s.close();
                    }
                } catch (IOException e) {
                    return;
                }
            }
        });
        return URI.create("http://127.0.0.1:" + ss.getLocalPort() + "/");
    }

    private TicketClient client(URI base, Duration timeout) {
        TicketClient c = new TicketClient(new TicketSettings(base, Duration.ofMillis(500), timeout));
        open.add(c);
        return c;
    }

    @Test
    void aRunawayAnswerIsReadOnlyAsFarAsItsFirstBytes() throws Exception {
        // A 201 whose chunked body never ends: the ticket number is at its start; reading on would fill the
        // heap, or (as before) run into the timeout and send the draft again.
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(ss);
        AtomicInteger bytesSent = new AtomicInteger();
        Thread.ofPlatform().daemon().start(() -> {
            try (Socket s = ss.accept()) {
                s.getInputStream().read(new byte[1 << 16]);
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] head = "{\"ticketNumber\":\"T-9\",\"dump\":\"".getBytes(StandardCharsets.US_ASCII);
                out.write((Integer.toHexString(head.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(head);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = ("2000\r\n" + "x".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                while (bytesSent.get() < 64 << 20) {   // 64 MiB at most, then the test has failed anyway
                    out.write(chunk);
                    bytesSent.addAndGet(0x2000);
                }
            } catch (IOException stopped) {
                // the client stopped reading and closed the connection
            }
        });
        TicketClient.Outcome outcome = client(URI.create("http://127.0.0.1:" + ss.getLocalPort() + "/"), Duration.ofSeconds(3))
                .send("1795448060.1", DRAFT);
        assertEquals(new TicketClient.Delivered(201, "T-9"), outcome);
        assertTrue(bytesSent.get() < 16 << 20, "read on far past its first bytes: " + bytesSent.get());
    }

    @Test
    void aBackendThatSendsHeadersThenStallsTheBodyCostsOneTimeoutNotAWorker() throws Exception {
        URI base = rawServer("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ticketNu", false);
        TicketClient client = client(base, Duration.ofMillis(500));
        TicketClient.Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> client.send("1795448060.1", DRAFT),
                "the request timeout must cover the body too, or a stalled backend holds a delivery worker for ever");
        TicketClient.Retry retry = assertInstanceOf(TicketClient.Retry.class, outcome);
        assertEquals("no complete answer within 500 ms", retry.reason());
    }

    @Test
    void aBackendThatClosesMidAnswerOrAcceptsAndHangsUpIsRetried() throws Exception {
        TicketClient.Outcome cut = client(rawServer("HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\n{\"ti", true), Duration.ofSeconds(2))
                .send("1795448060.1", DRAFT);
        assertTrue(assertInstanceOf(TicketClient.Retry.class, cut).reason().contains("content-length: 100, bytes received: 4"), cut.toString());
        TicketClient.Outcome hungUp = client(rawServer("", true), Duration.ofSeconds(2)).send("1795448060.1", DRAFT);
        assertInstanceOf(TicketClient.Retry.class, hungUp);
        TicketClient.Outcome silent = client(rawServer("", false), Duration.ofMillis(300)).send("1795448060.1", DRAFT);
        assertInstanceOf(TicketClient.Retry.class, silent);
    }

    @Test
    void aRefusedConnectionIsRetriedAndSaysSoInWords() throws Exception {
        URI base = URI.create("http://127.0.0.1:" + TestPorts.freePort() + "/");
        TicketClient.Retry retry = assertInstanceOf(TicketClient.Retry.class, client(base, Duration.ofSeconds(2)).send("1795448060.1", DRAFT));
        assertEquals("cannot connect to " + base + "work-orders: connection refused or host unreachable", retry.reason());
    }

    @Test
    void any2xxIsDeliveredEvenWithAnEmptyOrMalformedBody() throws Exception {
        for (int status : new int[] {200, 201, 202, 204}) {
            for (String body : new String[] {"", "not json", "{\"ticketNumber\": ", "[1,2]"}) {
                if (status == 204 && !body.isEmpty()) {
                    continue; // a 204 has no body by definition
                }
                AtomicInteger requests = new AtomicInteger();
                URI base = server(requests, ex -> reply(ex, status, body));
                TicketClient.Outcome outcome = client(base, Duration.ofSeconds(2)).send("1795448060.1", DRAFT);
                assertEquals(new TicketClient.Delivered(status, ""), outcome, status + " '" + body + "'");
            }
        }
    }

    @Test
    void finalStatusesAreRejectedWithTheBodysReasonAndTheOthersRetried() throws Exception {
        for (int status : new int[] {400, 401, 403, 404, 405, 409, 410, 413, 415, 422}) {
            URI base = server(new AtomicInteger(), ex -> reply(ex, status, "{\"error\":\"because " + status + "\"}"));
            TicketClient.Outcome outcome = client(base, Duration.ofSeconds(2)).send("1795448060.1", DRAFT);
            assertEquals(new TicketClient.Rejected(status, "HTTP " + status + ": because " + status), outcome);
        }
        for (int status : new int[] {408, 429, 500, 502, 503, 504}) {
            URI base = server(new AtomicInteger(), ex -> reply(ex, status, "<html>busy</html>"));
            TicketClient.Outcome outcome = client(base, Duration.ofSeconds(2)).send("1795448060.1", DRAFT);
            assertEquals(new TicketClient.Retry("HTTP " + status + ": <html>busy</html>"), outcome);
        }
    }

    @Test
    void aRedirectIsNotFollowedAndTheReasonSaysWhereItPoints() throws Exception {
        AtomicInteger elsewhere = new AtomicInteger();
        URI target = server(elsewhere, ex -> reply(ex, 201, "{\"ticketNumber\":\"T-1\"}"));
        for (int status : new int[] {301, 302, 307, 308}) {
            URI base = server(new AtomicInteger(), ex -> {
                ex.getResponseHeaders().set("Location", target + "work-orders");
                reply(ex, status, "");
            });
            TicketClient.Retry retry = assertInstanceOf(TicketClient.Retry.class, client(base, Duration.ofSeconds(2)).send("1795448060.1", DRAFT));
            assertEquals("HTTP " + status + ": redirected to " + target + "work-orders; redirects are not followed: "
                    + "point ticket.base-url at the backend itself", retry.reason());
        }
        assertEquals(0, elsewhere.get(), "no draft goes to an address nobody configured");
    }

    @Test
    void retryAfterIsReadInSecondsAndAsAnHttpDate() throws Exception {
        Instant now = Instant.parse("2025-03-01T08:00:00Z");
        assertEquals(Duration.ofSeconds(120), TicketClient.retryAfter("120", now));
        assertEquals(Duration.ofSeconds(30), TicketClient.retryAfter("Sat, 01 Mar 2025 08:00:30 GMT", now));
        assertEquals(Duration.ZERO, TicketClient.retryAfter("Sat, 01 Mar 2025 07:59:00 GMT", now), "a date in the past");
        assertEquals(Duration.ZERO, TicketClient.retryAfter("soon", now));
        assertEquals(Duration.ZERO, TicketClient.retryAfter("-5", now));
        assertEquals(Duration.ZERO, TicketClient.retryAfter("", now));
        assertEquals(TicketClient.MAX_RETRY_AFTER, TicketClient.retryAfter("9999999999", now));

        URI base = server(new AtomicInteger(), ex -> {
            ex.getResponseHeaders().set("Retry-After", "7");
            reply(ex, 429, "{\"error\":\"slow down\"}");
        });
        assertEquals(new TicketClient.Retry("HTTP 429: slow down", Duration.ofSeconds(7)),
                client(base, Duration.ofSeconds(2)).send("1795448060.1", DRAFT));
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plusSeconds(60).atOffset(ZoneOffset.UTC));
        URI dated = server(new AtomicInteger(), ex -> {
            ex.getResponseHeaders().set("Retry-After", date);
            reply(ex, 503, "{\"error\":\"maintenance\"}");
        });
        Duration wait = assertInstanceOf(TicketClient.Retry.class, client(dated, Duration.ofSeconds(2)).send("1795448060.1", DRAFT)).notBefore();
        assertTrue(wait.compareTo(Duration.ofSeconds(55)) > 0 && wait.compareTo(Duration.ofSeconds(61)) < 0, wait.toString());
    }
}
