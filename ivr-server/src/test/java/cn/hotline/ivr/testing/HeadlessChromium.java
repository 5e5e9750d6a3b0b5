package cn.hotline.ivr.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real headless Chromium driven over the DevTools protocol (CDP) with the JDK's own HTTP and
 * WebSocket clients: no Selenium, no chromedriver. Opens one page; evaluates JavaScript in it; takes
 * screenshots. Skips the calling test when Chromium is not installed (CI installs Debian's
 * {@code chromium} package).
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final List<String> CANDIDATES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome", "/snap/bin/chromium");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The browser binary, or a skipped test. {@code IVR_CHROMIUM} overrides the search. */
    public static Path require() {
        String fromEnv = System.getenv("IVR_CHROMIUM");
        Stream<String> paths = fromEnv != null && !fromEnv.isBlank() ? Stream.of(fromEnv) : CANDIDATES.stream();
        Path found = paths.map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(found != null, "chromium not installed (apt-get install chromium; .ci/run installs it)");
        return found;
    }

    /** Starts Chromium headless on {@code url} and attaches to that page. */
    public static HeadlessChromium open(String url) throws Exception {
        Path binary = require();
        Path profile = Files.createTempDirectory("ivr-chromium-");
        Process p = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,900", url)
                .redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile())
                .start();
        try {
            int port = debuggingPort(profile, p);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String wsUrl = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (wsUrl == null && System.nanoTime() < deadline) {
                JsonNode targets = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if ("page".equals(t.path("type").asText())) {
                        wsUrl = t.path("webSocketDebuggerUrl").asText();
                    }
                }
                if (wsUrl == null) {
                    Thread.sleep(100);
                }
            }
            if (wsUrl == null) {
                throw new IllegalStateException("Chromium shows no page target; log: " + profile.resolve("chromium.log"));
            }
            Receiver receiver = new Receiver();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), receiver).get(10, TimeUnit.SECONDS);
            HeadlessChromium c = new HeadlessChromium(p, profile, ws);
            receiver.owner = c;
            return c;
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private static int debuggingPort(Path profile, Process p) throws Exception {
        Path file = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("Chromium exited with " + p.exitValue() + ": "
                        + Files.readString(profile.resolve("chromium.log")));
            }
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                    return Integer.parseInt(lines.get(0).strip());
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("Chromium did not open its debugging port within 30 s");
    }

    /** One CDP command; returns its {@code result}. */
    public JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode msg = Json.MAPPER.createObjectNode().put("id", id).put("method", method);
        msg.set("params", Json.MAPPER.valueToTree(params));
        socket.sendText(Json.MAPPER.writeValueAsString(msg), true).join();
        JsonNode reply = answer.get(20, TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new IllegalStateException(method + " failed: " + reply.get("error"));
        }
        return reply.path("result");
    }

    /** Evaluates a JavaScript expression in the page; returns its value (JSON-compatible values only). */
    public JsonNode eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("JavaScript failed: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Evaluates until the expression is {@code true}; errors while the page is still loading count as false. */
    public void waitFor(String what, String expression, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        String lastError = "";
        while (true) {
            try {
                if (eval(expression).asBoolean(false)) {
                    return;
                }
            } catch (IllegalStateException e) {
                lastError = " last error: " + e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("page never showed: " + what + " (" + expression + ")" + lastError);
            }
            Thread.sleep(50);
        }
    }

    /** A PNG of the viewport. */
    public void screenshot(Path file) throws Exception {
        JsonNode r = call("Page.captureScreenshot", Map.of("format", "png"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(r.path("data").asText()));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        socket.abort();
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        deleteTree(profile);
    }

    /**
     * Chromium's helper processes (crashpad) may still add or remove files in the profile for a moment after
     * the browser exits: a file gone while the tree is walked is no failure (it failed a test's clean-up now
     * and then), and another pass takes the late ones.
     */
    private static void deleteTree(Path root) throws IOException {
        for (int pass = 0; pass < 3 && Files.exists(root); pass++) {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (java.nio.file.NoSuchFileException | java.io.UncheckedIOException e) {
                // walked into a file removed meanwhile: go round again
            }
        }
    }

    /** Collects CDP replies (possibly split over several frames) and completes the matching call. */
    private static final class Receiver implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        volatile HeadlessChromium owner;

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode m = Json.MAPPER.readTree(partial.toString());
                    if (m.has("id") && owner != null) {
                        CompletableFuture<JsonNode> f = owner.pending.remove(m.get("id").asInt());
                        if (f != null) {
                            f.complete(m);
                        }
                    }
                } catch (IOException e) {
                    // not JSON: CDP never sends that; ignore rather than kill the receiver
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }
}
