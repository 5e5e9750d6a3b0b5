package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;

/**
 * The REST client of the ticket backend contract ({@code docs/ticket-backend.openapi.yaml}):
 * {@code POST /work-orders} with the call id as {@code Idempotency-Key}. It classifies every answer
 * so the outbox knows what to do: delivered (201, or 200 for a repeat), rejected for good (4xx other
 * than 408/429), or try again later (5xx, 408, 429, timeouts, refused connections).
 */
public final class TicketClient implements AutoCloseable {

    /** What one delivery attempt came to. */
    public sealed interface Outcome {
    }

    /** Stored by the backend; {@code reference} is its ticket number when it sent one. */
    public record Delivered(int status, String reference) implements Outcome {
    }

    /** The backend refused this draft for good; retrying would get the same answer. */
    public record Rejected(int status, String reason) implements Outcome {
    }

    /** Try again later. */
    public record Retry(String reason) implements Outcome {
    }

    private final TicketSettings settings;
    private final URI endpoint;
    private final HttpClient http;

    public TicketClient(TicketSettings settings) {
        this.settings = settings;
        String base = settings.baseUrl().toString();
        this.endpoint = URI.create(base.endsWith("/") ? base + "work-orders" : base + "/work-orders");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .build();
    }

    public URI endpoint() {
        return endpoint;
    }

    /** One attempt; never throws for network or HTTP trouble (that is an {@link Outcome}). */
    public Outcome send(String id, byte[] draftJson) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", id)
                .POST(HttpRequest.BodyPublishers.ofByteArray(draftJson))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            return new Retry("no answer within " + settings.timeout().toMillis() + " ms");
        } catch (IOException e) {
            return new Retry("cannot reach " + endpoint + ": " + e);
        }
        int status = response.statusCode();
        if (status == 200 || status == 201) {
            return new Delivered(status, topLevelText(response.body(), "ticketNumber"));
        }
        String reason = "HTTP " + status + ": " + abbreviate(reasonOf(response.body()));
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
            return new Rejected(status, reason);
        }
        return new Retry(reason);
    }

    private static String reasonOf(String body) {
        String error = topLevelText(body, "error");
        return error.isEmpty() ? body : error;
    }

    /**
     * A top-level text field of a JSON object, read by streaming: the answer echoes the whole draft
     * and this runs once per delivery, so building a tree would be wasted work. "" when absent.
     */
    static String topLevelText(String body, String name) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return "";
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals(name)) {
                    return value == JsonToken.VALUE_STRING ? p.getText() : "";
                }
                p.skipChildren();
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String abbreviate(String s) {
        String flat = s == null ? "" : s.replaceAll("\\s+", " ").strip();
        return flat.length() <= 300 ? flat : flat.substring(0, 300) + "...";
    }

    /** Aborts attempts in flight (they end as {@link Retry}); used when the outbox closes. */
    void shutdownNow() {
        http.shutdownNow();
    }

    @Override
    public void close() {
        http.close();
    }
}
