package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.sim.SimulatedCall;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ivr serve} in its own JVM, as an operator's service manager runs it, sent real signals. */
class ServeSignalsTest {
    private static final Pattern SERVING = Pattern.compile("serving: agi=[^/]*/([0-9.]+):(\\d+) http=[^/]*/([0-9.]+):(\\d+)");

    @TempDir
    Path dir;
    private Process process;
    private Path log;

    @AfterEach
    void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    /** Starts serve on ephemeral ports; returns its "serving:" line matched. */
    private Matcher serve(String shutdownGrace, String extraYaml) throws Exception {
        Path config = dir.resolve("hotline.yaml");
        Files.writeString(config, """
                agi:
                  bind: 127.0.0.1:0
                http:
                  bind: 127.0.0.1:0
                  shutdown-grace: %s
                audiosocket:
                  bind: 127.0.0.1:0
                agent:
                  enabled: false
                ami:
                  enabled: false
                speech:
                  engine: none
                outbox:
                  dir: %s
                """.formatted(shutdownGrace, dir.resolve("outbox")) + extraYaml);
        String java = ProcessHandle.current().info().command().orElse("java");
        log = dir.resolve("serve.log");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=logback.xml", Main.class.getName(), "serve", "--config", config.toString())
                .redirectError(log.toFile());
        // Only the variables a service manager would set: a stray IVR_* of this test JVM would fail the start.
        pb.environment().keySet().removeIf(k -> k.startsWith("IVR_"));
        process = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null, "serve printed nothing; its log: " + logText());
        Matcher m = SERVING.matcher(line);
        assertTrue(m.find(), line);
        return m;
    }

    private String logText() throws Exception {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private void signal(String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor());
    }

    private void awaitLog(String fragment) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!logText().contains(fragment)) {
            assertTrue(System.nanoTime() < deadline, "no '" + fragment + "' in the log:\n" + logText());
            Thread.sleep(50);
        }
    }

    @Test
    void sighupReloadsTheConfigurationInsteadOfStoppingTheServer() throws Exception {
        Matcher serving = serve("30s", "reload-interval: 1h\n");
        Path config = dir.resolve("hotline.yaml");
        Files.writeString(config, Files.readString(config) + "flow:\n  announcement:\n    enabled: true\n");
        signal("HUP");
        awaitLog("configuration " + config + " reloaded (SIGHUP)");
        Thread.sleep(300);
        assertTrue(process.isAlive(), "SIGHUP must not stop the server:\n" + logText());
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://" + serving.group(3) + ":" + serving.group(4) + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());

        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "SIGTERM with no call in progress stops the server");
        List<String> lines = Files.readAllLines(log);
        assertTrue(lines.get(lines.size() - 1).contains("stopped: listeners, outbox and intake checkpoints closed; exiting"),
                "the last line says the server stopped: " + lines);
    }

    @Test
    void aSecondSigtermDuringTheDrainClosesTheCallsStillInProgress() throws Exception {
        Matcher serving = serve("2m", "");
        var address = new java.net.InetSocketAddress(serving.group(1), Integer.parseInt(serving.group(2)));
        // A caller listening to a long prompt: the call stays in progress well past this test's patience.
        Thread caller = Thread.ofPlatform().daemon().start(() -> {
            try {
                new SimulatedCall(address, SimulatedCall.Options.defaults().withPromptTime(Duration.ofSeconds(60)), e -> { }).run();
            } catch (RuntimeException e) {
                // the server closes the call: that is the point
            }
        });
        awaitLog("call started");
        signal("TERM");
        awaitLog("shutdown requested");
        Thread.sleep(300);
        assertTrue(process.isAlive(), "the first SIGTERM drains: the call may finish");
        signal("TERM");
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), "a second SIGTERM ends the drain:\n" + logText());
        String text = logText();
        assertTrue(text.contains("SIGTERM again while draining: closing the 1 call(s) still in progress now"), text);
        assertTrue(text.contains("stopped: listeners, outbox and intake checkpoints closed; exiting"), text);
        caller.join(5_000);
    }
}
