package cn.hotline.ivr.agent;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Stand-in agent desks for benchmarks and the demo: one real WebSocket per agent to a desk server,
 * noting when each call's first pop arrived ({@link System#nanoTime()}), so pop latency can be
 * measured end to end against {@code AgentConnect.receivedNanos()} in the same JVM.
 */
public final class DeskProbe implements AutoCloseable {
    private final Map<String, Long> poppedAt = new ConcurrentHashMap<>();
    private final Map<String, String> draftStatus = new ConcurrentHashMap<>();
    private final List<WebSocket> sockets = new ArrayList<>();

    private DeskProbe() {
    }

    /** Opens one desk per entry of {@code tokens} (agent id → token) on the server at {@code host:port}. */
    public static DeskProbe connect(String host, int port, Map<String, String> tokens) throws Exception {
        DeskProbe probe = new DeskProbe();
        HttpClient http = HttpClient.newHttpClient();
        try {
            for (Map.Entry<String, String> t : tokens.entrySet()) {
                URI uri = URI.create("ws://" + host + ":" + port + "/desk?agent="
                        + URLEncoder.encode(t.getKey(), StandardCharsets.UTF_8) + "&token="
                        + URLEncoder.encode(t.getValue(), StandardCharsets.UTF_8));
                probe.sockets.add(http.newWebSocketBuilder().buildAsync(uri, probe.new Desk()).get(10, TimeUnit.SECONDS));
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

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                long now = System.nanoTime();
                try {
                    JsonNode m = Json.MAPPER.readTree(partial.toString());
                    if ("pop".equals(m.path("type").asText())) {
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
    }
}
