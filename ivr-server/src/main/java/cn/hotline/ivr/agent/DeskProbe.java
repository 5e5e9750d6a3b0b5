package cn.hotline.ivr.agent;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Stand-in agent desks for benchmarks and the demo: one real WebSocket per agent to a desk server,
 * noting when each call's first pop arrived ({@link System#nanoTime()}), so pop latency can be
 * measured end to end against {@code AgentConnect.receivedNanos()} in the same JVM. Each desk signs in the
 * way a CTI client should: {@code /desk} without a query, then {@code {"type":"auth",...}} as the first message.
 */
public final class DeskProbe implements AutoCloseable {
    private final Map<String, Long> poppedAt = new ConcurrentHashMap<>();
    private final Map<String, String> draftStatus = new ConcurrentHashMap<>();
    private final List<WebSocket> sockets = new ArrayList<>();

    private DeskProbe() {
    }

    /**
     * Opens one desk per entry of {@code tokens} (agent id → token) on the server at {@code host:port} and returns
     * once every desk is signed in (the server's {@code hello}); a refused desk fails with the server's reason.
     */
    public static DeskProbe connect(String host, int port, Map<String, String> tokens) throws Exception {
        DeskProbe probe = new DeskProbe();
        HttpClient http = HttpClient.newHttpClient();
        try {
            URI uri = URI.create("ws://" + host + ":" + port + "/desk");
            for (Map.Entry<String, String> t : tokens.entrySet()) {
                Desk desk = probe.new Desk();
                WebSocket ws = http.newWebSocketBuilder().buildAsync(uri, desk).get(10, TimeUnit.SECONDS);
                probe.sockets.add(ws);
                ws.sendText(Json.write(Map.of("type", "auth", "agent", t.getKey(), "token", t.getValue())), true)
                        .get(10, TimeUnit.SECONDS);
                try {
                    desk.signedIn.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("desk of agent " + t.getKey() + " " + e.getCause().getMessage(), e);
                }
            }
        } catch (Exception e) {
            probe.close();
            throw e;
        }
        return probe;
    }

    /** callId → nanoTime the first pop for it reached a desk. */
    public Map<String, Long> poppedAt() {
        return poppedAt;
    }

    /** callId → the first pop's {@code draftStatus} ({@code ok}, {@code pending}, {@code missing}, {@code unavailable}). */
    public Map<String, String> draftStatus() {
        return draftStatus;
    }

    @Override
    public void close() {
        sockets.forEach(WebSocket::abort);
    }

    private final class Desk implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        final CompletableFuture<Void> signedIn = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                long now = System.nanoTime();
                try {
                    JsonNode m = Json.MAPPER.readTree(partial.toString());
                    if ("hello".equals(m.path("type").asText())) {
                        signedIn.complete(null);
                    } else if ("pop".equals(m.path("type").asText())) {
                        String callId = m.path("callId").asText();
                        draftStatus.putIfAbsent(callId, m.path("draftStatus").asText());
                        poppedAt.putIfAbsent(callId, now);
                    }
                } catch (IOException e) {
                    // the server only sends JSON; a broken frame simply counts as a missing pop
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            signedIn.completeExceptionally(new IllegalStateException("closed by the desk server: " + statusCode + " " + reason));
            return null;
        }
    }
}
