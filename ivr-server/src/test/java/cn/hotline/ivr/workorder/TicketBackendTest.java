package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.Json;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** The development backend honours the contract of docs/ticket-backend.openapi.yaml over real HTTP. */
class TicketBackendTest {
    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void closeClient() {
        http.close();
    }

    private HttpResponse<String> post(URI base, String key, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/work-orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI base, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void createThenRepeatReturnsTheSameBodyAndSurvivesARestart() throws Exception {
        Draft draft = SampleDrafts.complaint("1795448060.1", Instant.now());
        String created;
        int port;
        try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(0, tmp.resolve("data")))) {
            port = backend.port();
            HttpResponse<String> first = post(backend.baseUrl(), draft.id(), draft.toJson());
            assertEquals(201, first.statusCode(), first.body());
            created = first.body();
            assertEquals("T-00000001", Json.MAPPER.readTree(created).get("ticketNumber").asText());
            assertEquals(draft, Json.MAPPER.treeToValue(Json.MAPPER.readTree(created).get("draft"), Draft.class));
            HttpResponse<String> repeat = post(backend.baseUrl(), draft.id(), draft.toJson());
            assertEquals(200, repeat.statusCode());
            assertEquals(created, repeat.body());
            assertEquals(1, TestPorts.storedIds(backend.baseUrl()).size());
        }
        try (TicketBackend again = TicketBackend.start(TicketBackend.Options.reliable(port, tmp.resolve("data")))) {
            HttpResponse<String> one = get(again.baseUrl(), "/work-orders/1795448060.1");
            assertEquals(200, one.statusCode());
            assertEquals(created, one.body());
            assertEquals(200, post(again.baseUrl(), draft.id(), draft.toJson()).statusCode(), "still a repeat after restart");
            assertEquals(404, get(again.baseUrl(), "/work-orders/1795448060.2").statusCode());
        }
    }

    @Test
    void badRequestsGetA4xxWithAReason() throws Exception {
        try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(0, tmp.resolve("data")))) {
            URI base = backend.baseUrl();
            Draft draft = SampleDrafts.complaint("1795448061.1", Instant.now());
            assertError(post(base, null, draft.toJson()), 400, "Idempotency-Key header is required");
            assertError(post(base, "other", draft.toJson()), 422, "differs from the draft id");
            assertError(post(base, draft.id(), "{\"id\":1}".getBytes(StandardCharsets.UTF_8)), 400, "not a valid draft");
            assertEquals(201, post(base, draft.id(), draft.toJson()).statusCode());
            Draft changed = SampleDrafts.withTranscript(draft.id(), draft.createdAt(), "另一件事");
            assertError(post(base, draft.id(), changed.toJson()), 409, "already used for a different draft");
            assertEquals(1, TestPorts.storedIds(base).size(), "rejected requests store nothing");
        }
    }

    @Test
    void staysDownForTheConfiguredTimeThenServes() throws Exception {
        int port = TestPorts.freePort();
        var options = new TicketBackend.Options(new InetSocketAddress("127.0.0.1", port), tmp.resolve("data"), 0,
                Duration.ZERO, Duration.ofSeconds(1), 1);
        try (TicketBackend backend = TicketBackend.start(options)) {
            assertThrows(ConnectException.class, () -> get(backend.baseUrl(), "/work-orders"));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            HttpResponse<String> r = null;
            while (r == null && System.nanoTime() < deadline) {
                try {
                    r = get(backend.baseUrl(), "/work-orders");
                } catch (ConnectException e) {
                    Thread.sleep(50);
                }
            }
            assertTrue(r != null && r.statusCode() == 200 && r.body().equals("[]"));
        }
    }

    /** Every status the development backend answers POST with is part of the documented contract. */
    @Test
    @SuppressWarnings("unchecked")
    void theOpenApiFileDocumentsEveryAnswer() throws Exception {
        Map<String, Object> api = new Yaml().load(Files.readString(Path.of("..", "docs", "ticket-backend.openapi.yaml")));
        Map<String, Object> paths = (Map<String, Object>) api.get("paths");
        Map<String, Object> post = (Map<String, Object>) ((Map<String, Object>) paths.get("/work-orders")).get("post");
        assertEquals(Set.of("201", "200", "400", "401", "409", "413", "422", "429", "503"), ((Map<String, Object>) post.get("responses")).keySet());
        assertTrue(post.toString().contains("Idempotency-Key"));
        Map<String, Object> one = (Map<String, Object>) ((Map<String, Object>) paths.get("/work-orders/{id}")).get("get");
        assertEquals(Set.of("200", "404"), ((Map<String, Object>) one.get("responses")).keySet());
    }

    private static void assertError(HttpResponse<String> r, int status, String reason) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        String error = Json.MAPPER.readTree(r.body()).get("error").asText();
        assertTrue(error.contains(reason), error);
    }
}
