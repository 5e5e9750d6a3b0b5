package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Helpers for outbox tests: settings, loopback ports, and what a backend stored. */
final class TestPorts {
    private TestPorts() {
    }

    /** Outbox settings for tests: 64 MiB bound, quick retries (20..200 ms), drafts kept for an hour. */
    static OutboxSettings fastOutbox(Path dir, long segmentBytes, int workers) {
        return new OutboxSettings(dir, 64L << 20, 0.8, segmentBytes, Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofMillis(20), Duration.ofMillis(200), workers);
    }

    /** A port nobody listens on right now (for a backend that starts later). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET /work-orders from a backend: how many stored work orders each id has. */
    static Map<String, Integer> storedIds(URI baseUrl) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(baseUrl.resolve("/work-orders")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET /work-orders answered " + r.statusCode());
            }
            Map<String, Integer> counts = new HashMap<>();
            for (JsonNode order : Json.MAPPER.readTree(r.body())) {
                counts.merge(order.get("id").asText(), 1, Integer::sum);
            }
            return counts;
        }
    }
}
