package cn.hotline.ivr.agent;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A desk for tests: a real WebSocket client (java.net.http) collecting the server's JSON messages. */
final class DeskClient implements WebSocket.Listener, AutoCloseable {
    final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket socket;

    /** A desk signed in as the protocol says: {@code /desk}, then the auth message first. */
    DeskClient(AgentDeskServer server, String agent, String token) throws Exception {
        this(server, "/desk");
        send(Json.write(java.util.Map.of("type", "auth", "agent", agent, "token", token)));
    }

    /** A WebSocket to {@code pathAndQuery} that has sent nothing yet. */
    DeskClient(AgentDeskServer server, String pathAndQuery) throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + server.address().getPort() + pathAndQuery);
        socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, this).get(10, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                messages.add(Json.MAPPER.readTree(partial.toString()));
            } catch (Exception e) {
                closed.completeExceptionally(e);
            }
            partial.setLength(0);
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closed.complete(statusCode + " " + reason);
        return null;
    }

    /** The next message of {@code type}, skipping others; fails after 10 s. */
    JsonNode next(String type) throws InterruptedException {
        while (true) {
            JsonNode m = messages.poll(10, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no '" + type + "' message within 10 s");
            }
            if (type.equals(m.path("type").asText())) {
                return m;
            }
        }
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    @Override
    public void close() {
        socket.abort();
    }
}
