package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The REST client of the ticket backend contract ({@code docs/ticket-backend.openapi.yaml}):
 * {@code POST /work-orders} with the call id as {@code Idempotency-Key}. It classifies every answer
 * so the outbox knows what to do: delivered (any 2xx; the contract names 201, and 200 for a repeat),
 * rejected for good (4xx other than 408/429), or try again later (5xx, 408, 429, 3xx, timeouts,
 * refused or broken connections), not before the answer's {@code Retry-After}.
 * Redirects are not followed: a draft goes only to the configured address.
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

    /** Try again later, not before {@code notBefore} from now (the answer's Retry-After; zero without one). */
    public record Retry(String reason, Duration notBefore) implements Outcome {
        public Retry(String reason) {
            this(reason, Duration.ZERO);
        }
    }

    /** The longest Retry-After honoured: a bogus header must not park a draft for days. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

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
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", id);
        if (!settings.token().isEmpty()) {
            builder.header("Authorization", "Bearer " + settings.token());
        }
        HttpRequest request = builder.POST(HttpRequest.BodyPublishers.ofByteArray(draftJson)).build();
        long timeoutMs = settings.timeout().toMillis();
        CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(request, info -> new FirstBytes(MAX_ANSWER_BYTES));
        HttpResponse<String> response;
        try {
            // The request timeout ends when the headers arrive: a backend that then stalls the body
            // would hold this delivery worker for ever. This deadline covers the whole answer.
            response = exchange.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return new Retry("no complete answer within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            return new Retry(unreachable(e.getCause()));
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return new Delivered(status, topLevelText(response.body(), "ticketNumber"));
        }
        String reason = "HTTP " + status + ": " + abbreviate(reasonOf(response.body()));
        if (status >= 300 && status < 400) {
            reason = "HTTP " + status + ": redirected to " + response.headers().firstValue("Location").orElse("(no Location)")
                    + "; redirects are not followed: point ticket.base-url at the backend itself";
        }
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
            return new Rejected(status, reason);
        }
        return new Retry(reason, retryAfter(response.headers().firstValue("Retry-After").orElse(""), Instant.now()));
    }

    /**
     * How much of an answer is read: a ticket number or an error's reason fits in far less, and a backend
     * streaming a runaway body (a debug dump, an endless stream) must fill neither the heap nor the time.
     */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    /** Collects the first {@code max} bytes of a body as UTF-8 text, then stops reading (the connection closes). */
    private static final class FirstBytes implements HttpResponse.BodySubscriber<String> {
        private final int max;
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private final CompletableFuture<String> body = new CompletableFuture<>();
        private java.util.concurrent.Flow.Subscription subscription;

        FirstBytes(int max) {
            this.max = max;
        }

        @Override
        public java.util.concurrent.CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<java.nio.ByteBuffer> buffers) {
            for (java.nio.ByteBuffer b : buffers) {
                int take = Math.min(b.remaining(), max - bytes.size());
                byte[] chunk = new byte[take];
                b.get(chunk);
                bytes.write(chunk, 0, take);
            }
            if (bytes.size() >= max && !body.isDone()) {
                subscription.cancel();
                onComplete();
            }
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toString(StandardCharsets.UTF_8));
        }
    }

    /** Why an attempt got no answer, in words (the JDK's ConnectException has no message at all). */
    private String unreachable(Throwable e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "cannot connect to " + endpoint + " within " + settings.connectTimeout().toMillis() + " ms";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + settings.timeout().toMillis() + " ms";
        }
        if (e instanceof ConnectException) {
            return "cannot connect to " + endpoint + ": connection refused or host unreachable";
        }
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return (e instanceof IOException ? "connection to " + endpoint + " failed: " : "attempt failed: ") + what;
    }

    /**
     * RFC 9110 Retry-After: delay seconds or an HTTP date; zero when absent, unreadable or past,
     * at most {@link #MAX_RETRY_AFTER}.
     */
    static Duration retryAfter(String value, Instant now) {
        String v = value.strip();
        Duration d = Duration.ZERO;
        if (v.matches("\\d{1,10}")) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else if (!v.isEmpty()) {
            try {
                d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Duration.ZERO;
            }
        }
        return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
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
