package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A development ticket backend that implements the contract of {@code docs/ticket-backend.openapi.yaml}
 * for tests and demos: work orders are stored durably in a journal under the data directory (they
 * survive a restart), repeated idempotency keys get the stored answer, and it misbehaves on request:
 * a fraction of requests fails with 503 (half of those after storing, as if the answer got lost),
 * every request can be delayed, and the server can stay down (not listening) for a while after start.
 */
public final class TicketBackend implements AutoCloseable {
    /** The ticket system's limit on the description field; longer drafts are rejected with 422. */
    public static final int MAX_TRANSCRIPT_CHARS = 4000;
    private static final Logger LOG = LoggerFactory.getLogger(TicketBackend.class);
    private static final int MAX_BODY = 1 << 20;
    private static final byte ORDER = 1;

    /**
     * @param bind     address and port to listen on (port 0 picks a free one)
     * @param data     directory for the durable store
     * @param failRate fraction of POSTs answered 503, 0..1
     * @param latency  delay before every answer
     * @param downFor  how long after start the server stays down (connections refused)
     * @param seed     seed of the failure dice, so a demo run can be repeated
     * @param token    bearer token every request must carry ({@code Authorization: Bearer ...}), "" for none
     */
    public record Options(InetSocketAddress bind, Path data, double failRate, Duration latency, Duration downFor, long seed,
            String token) {
        public Options {
            if (!(failRate >= 0 && failRate <= 1)) {
                throw new IllegalArgumentException("fail rate must be between 0 and 1, got " + failRate);
            }
        }

        public Options(InetSocketAddress bind, Path data, double failRate, Duration latency, Duration downFor, long seed) {
            this(bind, data, failRate, latency, downFor, seed, "");
        }

        public Options withToken(String required) {
            return new Options(bind, data, failRate, latency, downFor, seed, required);
        }

        public static Options reliable(int port, Path data) {
            return new Options(new InetSocketAddress("127.0.0.1", port), data, 0, Duration.ZERO, Duration.ZERO, 1);
        }
    }

    private record Order(byte[] body, Draft draft, long ticket) {
    }

    private final Options options;
    private final Journal journal;
    private final Map<String, Order> orders = new LinkedHashMap<>();
    private final Random dice;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread starter;
    private volatile HttpServer server;
    private volatile boolean closed;
    private long posts;

    private TicketBackend(Options options) throws IOException {
        this.options = options;
        this.dice = new Random(options.seed());
        this.journal = Journal.open(options.data(), 8L << 20, (type, payload, at) -> {
            try {
                JsonNode stored = Json.MAPPER.readTree(payload);
                orders.put(stored.get("id").asText(), new Order(payload, Json.MAPPER.treeToValue(stored.get("draft"), Draft.class), 0));
            } catch (IOException | RuntimeException e) {
                LOG.error("ticket backend: unreadable stored work order at {}: {}", at, e.toString());
            }
        });
        this.starter = Thread.ofPlatform().daemon().name("ticket-backend-start").unstarted(this::startAfterDowntime);
    }

    /** Starts the backend; with a down time it returns at once and starts listening later. */
    public static TicketBackend start(Options options) throws IOException {
        TicketBackend backend = new TicketBackend(options);
        if (options.downFor().isZero()) {
            backend.listen();
        } else {
            backend.starter.start();
        }
        return backend;
    }

    private void startAfterDowntime() {
        try {
            Thread.sleep(options.downFor());
            if (!closed) {
                listen();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.error("ticket backend: cannot listen on {} after down time: {}", options.bind(), e.toString());
        }
    }

    private void listen() throws IOException {
        HttpServer s = HttpServer.create(options.bind(), 512);
        s.setExecutor(executor);
        s.createContext("/work-orders", this::handle);
        s.start();
        server = s;
        LOG.info("ticket backend listening on {} with {} stored work orders", baseUrl(), size());
    }

    /** The port listened on; the configured one while still down. */
    public int port() {
        HttpServer s = server;
        return s == null ? options.bind().getPort() : s.getAddress().getPort();
    }

    public URI baseUrl() {
        return URI.create("http://" + options.bind().getHostString() + ":" + port() + "/");
    }

    public synchronized int size() {
        return orders.size();
    }

    /** POSTs received so far (including repeats and simulated failures). */
    public synchronized long posts() {
        return posts;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!options.latency().isZero()) {
                Thread.sleep(options.latency());
            }
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (!authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getRequestBody().readAllBytes();
                error(ex, 401, "missing or wrong bearer token (Authorization: Bearer <ticket.token>)");
                return;
            }
            if (path.equals("/work-orders") || path.equals("/work-orders/")) {
                switch (method) {
                    case "POST" -> post(ex);
                    case "GET" -> respond(ex, 200, list());
                    default -> error(ex, 405, "use GET or POST on /work-orders");
                }
            } else if (path.startsWith("/work-orders/") && method.equals("GET")) {
                Order o;
                synchronized (this) {
                    o = orders.get(path.substring("/work-orders/".length()));
                }
                if (o == null) {
                    error(ex, 404, "no work order " + path.substring("/work-orders/".length()));
                } else {
                    respond(ex, 200, o.body());
                }
            } else {
                error(ex, 404, "no such resource: " + method + " " + path);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("ticket backend: exchange failed: {}", e.toString());
        }
    }

    private boolean authorized(String header) {
        if (options.token().isEmpty()) {
            return true;
        }
        byte[] expected = ("Bearer " + options.token()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] given = header == null ? new byte[0] : header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.security.MessageDigest.isEqual(expected, given); // constant time: no guessing byte by byte
    }

    private synchronized byte[] list() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('[');
        boolean first = true;
        for (Order o : orders.values()) {
            if (!first) {
                out.write(',');
            }
            out.writeBytes(o.body());
            first = false;
        }
        out.write(']');
        return out.toByteArray();
    }

    private void post(HttpExchange ex) throws IOException {
        synchronized (this) {
            posts++;
        }
        String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
        byte[] body = readBody(ex.getRequestBody());
        if (body == null) {
            error(ex, 413, "draft larger than " + MAX_BODY + " bytes");
            return;
        }
        if (key == null || key.isBlank()) {
            error(ex, 400, "Idempotency-Key header is required (the call id)");
            return;
        }
        Draft draft;
        try {
            draft = Draft.fromJson(body);
        } catch (IllegalArgumentException e) {
            error(ex, 400, e.getMessage());
            return;
        }
        if (!draft.id().equals(key)) {
            error(ex, 422, "Idempotency-Key '" + key + "' differs from the draft id '" + draft.id() + "'");
            return;
        }
        if (draft.intake().transcript().length() > MAX_TRANSCRIPT_CHARS) {
            error(ex, 422, "intake.transcript is longer than " + MAX_TRANSCRIPT_CHARS + " characters");
            return;
        }
        boolean fail;
        boolean failAfterStoring;
        synchronized (dice) {
            fail = dice.nextDouble() < options.failRate();
            failAfterStoring = dice.nextBoolean();
        }
        if (fail && !failAfterStoring) {
            error(ex, 503, "simulated outage (--fail-rate)");
            return;
        }
        Order order;
        boolean created = false;
        synchronized (this) {
            order = orders.get(key);
            if (order == null) {
                byte[] bytes = workOrder(key, String.format("T-%08d", orders.size() + 1), body);
                order = new Order(bytes, draft, journal.append(ORDER, bytes));
                orders.put(key, order);
                created = true;
            }
        }
        if (!created && !order.draft().equals(draft)) {
            error(ex, 409, "Idempotency-Key '" + key + "' was already used for a different draft");
            return;
        }
        journal.awaitDurable(order.ticket());
        if (fail) {
            error(ex, 503, "simulated outage after storing (--fail-rate): the answer is lost, the work order is not");
            return;
        }
        respond(ex, created ? 201 : 200, order.body());
    }

    /** The stored work order; the draft is embedded as received (already parsed, so valid JSON) instead of re-serialised. */
    private static byte[] workOrder(String id, String ticketNumber, byte[] draftJson) throws IOException {
        ObjectNode head = Json.MAPPER.createObjectNode();
        head.put("id", id);
        head.put("ticketNumber", ticketNumber);
        head.put("createdAt", Instant.now().toString());
        byte[] prefix = Json.MAPPER.writeValueAsBytes(head);
        ByteArrayOutputStream out = new ByteArrayOutputStream(prefix.length + draftJson.length + 16);
        out.write(prefix, 0, prefix.length - 1);
        out.writeBytes(",\"draft\":".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.writeBytes(draftJson);
        out.write('}');
        return out.toByteArray();
    }

    private static byte[] readBody(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        return body.length > MAX_BODY ? null : body;
    }

    private static void error(HttpExchange ex, int status, String reason) throws IOException {
        respond(ex, status, Json.MAPPER.writeValueAsBytes(Map.of("error", reason)));
    }

    private static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        starter.interrupt();
        HttpServer s = server;
        if (s != null) {
            s.stop(0);
        }
        executor.shutdownNow();
        journal.close();
    }
}
