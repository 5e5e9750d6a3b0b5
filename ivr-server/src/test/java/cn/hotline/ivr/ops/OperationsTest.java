package cn.hotline.ivr.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.HotlineServer;
import cn.hotline.ivr.sim.SimulatedCall;
import cn.hotline.ivr.testing.LogCapture;
import cn.hotline.ivr.testing.TestServer;
import cn.hotline.ivr.workorder.Draft;
import cn.hotline.ivr.workorder.IntakeCheckpoints;
import cn.hotline.ivr.workorder.Outbox;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health, readiness, metrics, graceful shutdown and live reload, against the running server. */
class OperationsTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(HotlineServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + server.httpAddress().getHostString() + ":"
                + server.httpAddress().getPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthReadyAndMetrics() throws Exception {
        try (HotlineServer server = TestServer.start(TestServer.PORTS)) {
            assertEquals(200, get(server, "/health").statusCode());
            HttpResponse<String> ready = get(server, "/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            // The counters an operator alerts on exist at 0 before their first event (a rate needs a series).
            String atStart = get(server, "/metrics").body();
            for (String series : new String[] {"ivr_calls_total{outcome=\"error\"} 0.0",
                    "ivr_calls_total{outcome=\"protocol_error\"} 0.0", "ivr_calls_total{outcome=\"overload\"} 0.0",
                    "ivr_speech_admission_rejected_total{reason=\"pool-full\"} 0.0",
                    "ivr_speech_admission_rejected_total{reason=\"engine-unhealthy\"} 0.0",
                    "ivr_audiosocket_refused_total{reason=\"max-sessions\"} 0.0"}) {
                assertTrue(atStart.contains(series), series + " missing at start:\n" + atStart);
            }
            TestServer.call(server, SimulatedCall.Options.defaults());
            String metrics = get(server, "/metrics").body();
            assertTrue(metrics.contains("ivr_calls_total{outcome=\"completed\"} 1.0"), metrics);
            assertTrue(metrics.contains("ivr_agi_command_seconds_count{command=\"ANSWER\"} 1"), metrics);
            assertTrue(metrics.contains("ivr_agi_command_seconds_bucket{command=\"ANSWER\",le=\"30.0\"} 1"),
                    "buckets, which add up across nodes: " + metrics);
            assertTrue(metrics.contains("ivr_calls_active 0.0"), metrics);
            assertEquals(404, get(server, "/nope").statusCode());
        }
    }

    @Test
    void aServerStartingAfterAKillWritesTheDraftsOfCallersWhoWereStillSpeaking(@TempDir Path dir) throws Exception {
        Path outbox = dir.resolve("outbox");
        Files.createDirectories(outbox);
        // What a server killed mid-intake leaves behind: a checkpoint of the words so far, no draft.
        try (IntakeCheckpoints left = IntakeCheckpoints.open(outbox)) {
            left.started("1795448080.1", "057187654321", "12345", "PJSIP/carrier-trunk-00000001", "zh",
                    java.time.Instant.parse("2026-12-06T01:00:00Z"));
            left.heard("1795448080.1", "拱墅区小河路有人占道经营");
        }
        try (HotlineServer server = TestServer.start(TestServer.PORTS + "outbox:\n  dir: " + outbox + "\n")) {
            Draft d = Outbox.inspect(outbox).draft("1795448080.1").orElseThrow();
            assertEquals("拱墅区小河路有人占道经营", d.intake().transcript());
            assertEquals("拱墅区", d.region().districtName());
            assertEquals(200, get(server, "/ready").statusCode());
        }
        try (IntakeCheckpoints after = IntakeCheckpoints.open(outbox)) {
            assertTrue(after.leftovers().isEmpty(), after.leftovers().toString());
        }
    }

    @Test
    void inRecordFileModeTheRecordingAKilledServerLeftIsReadAtTheNextStart(@TempDir Path dir) throws Exception {
        Path outbox = dir.resolve("outbox");
        Path recordings = dir.resolve("rec");
        Files.createDirectories(outbox);
        Files.createDirectories(recordings);
        // Record-file mode checkpoints no words: the recording Asterisk finished after the kill holds them.
        try (IntakeCheckpoints left = IntakeCheckpoints.open(outbox)) {
            left.started("1795448080.2", "13800138000", "12345", "PJSIP/carrier-trunk-00000002", "zh",
                    java.time.Instant.parse("2026-12-06T01:00:00Z"));
        }
        Path wav = recordings.resolve("intake-1795448080.2-" + java.util.UUID.randomUUID() + ".wav");
        new cn.hotline.ivr.media.Pcm(8000, new short[8000]).writeWav(wav);
        Files.setLastModifiedTime(wav, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(5)));
        try (LogCapture log = new LogCapture(cn.hotline.ivr.speech.RecordFileIntake.class);
             HotlineServer server = TestServer.start(TestServer.PORTS + "outbox:\n  dir: " + outbox
                     + "\nspeech:\n  capture: record-file\n  record-dir: " + recordings + "\n")) {
            assertTrue(Outbox.inspect(outbox).draft("1795448080.2").isPresent());
            // A second of silence: read (no words in it), then deleted, though the sweep would keep it minutes yet.
            assertTrue(log.any("INFO", "recording left by this interrupted intake recognised: no words"), log.lines().toString());
            assertFalse(Files.exists(wav), "a caller's recording is not kept once read");
        }
    }

    @Test
    void aDiskThatCannotHoldWhatTheOutboxMayStillWriteIsNotReady(@TempDir Path dir) throws Exception {
        long free = Files.getFileStore(dir).getUsableSpace();
        org.junit.jupiter.api.Assumptions.assumeTrue(free < (1L << 40) - (1L << 30),
                "this disk has over 1 TiB free, more than outbox.max-bytes can promise");
        try (HotlineServer server = TestServer.start(TestServer.PORTS + "outbox:\n  dir: " + dir.resolve("outbox")
                + "\n  max-bytes: " + (1L << 40) + "\n")) {
            HttpResponse<String> ready = get(server, "/ready");
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("the disk holding outbox.dir has") && ready.body().contains("lower outbox.max-bytes"),
                    ready.body());
            assertEquals(200, get(server, "/health").statusCode(), "alive all the same: calls still go through");
        }
        try (HotlineServer server = TestServer.start(TestServer.PORTS + "outbox:\n  dir: " + dir.resolve("outbox2") + "\n")) {
            assertEquals(200, get(server, "/ready").statusCode(), "256 MiB fit on this disk");
        }
    }

    @Test
    void anUnusableCheckpointFileStopsTheStartWithOneLineNamingIt(@TempDir Path dir) throws Exception {
        Path outbox = dir.resolve("outbox");
        Files.createDirectories(outbox.resolve(IntakeCheckpoints.FILE)); // a directory where the file belongs
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> TestServer.start(TestServer.PORTS + "outbox:\n  dir: " + outbox + "\n").close());
        String message = e.getMessage();
        assertTrue(message.contains("outbox.dir: cannot open " + outbox.resolve(IntakeCheckpoints.FILE) + ": "), message);
        assertFalse(message.contains("Exception"), "a reason, not a Java class name: " + message);
    }

    @Test
    void gracefulShutdownLetsCallsFinishAndRefusesNewOnes() throws Exception {
        HotlineServer server = TestServer.start(TestServer.PORTS);
        var inProgress = CompletableFuture.supplyAsync(() -> TestServer.call(server,
                SimulatedCall.Options.defaults().withPromptTime(Duration.ofMillis(700))));
        while (server.agiServer().activeCalls() == 0) {
            Thread.sleep(5);
        }
        var address = server.agiAddress();
        var shutdown = CompletableFuture.runAsync(() -> {
            try {
                server.shutdown(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        while (server.agiServer().isAccepting()) {
            Thread.sleep(5);
        }
        // ServerSocket.isClosed() turns true a moment before the descriptor is closed: look again briefly.
        boolean refused = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!refused && System.nanoTime() < deadline) {
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                Thread.sleep(20);
            } catch (ConnectException e) {
                refused = true;
            }
        }
        assertTrue(refused, "new calls must be refused while draining");
        SimulatedCall.Result r = inProgress.get();
        assertEquals("OK", r.variables().get("IVR_STATUS"), "the call in progress must finish: " + r);
        shutdown.get();
    }

    @Test
    void flowChangesApplyWithoutRestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hotline.yaml");
        Files.writeString(file, TestServer.PORTS + "reload-interval: 100ms\n");
        Settings settings = Settings.load(file, Map.of());
        try (HotlineServer server = new HotlineServer(settings, file, Map.of())) {
            server.start();
            var before = TestServer.call(server, SimulatedCall.Options.defaults());
            assertFalse(before.exchanges().stream().anyMatch(e -> e.command().contains("announcement")));
            Files.writeString(file, TestServer.PORTS + "reload-interval: 100ms\nflow:\n  announcement:\n    enabled: true\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            boolean announced = false;
            while (!announced && System.nanoTime() < deadline) {
                Thread.sleep(100);
                announced = TestServer.call(server, SimulatedCall.Options.defaults()).exchanges().stream()
                        .anyMatch(e -> e.command().contains("hotline/announcement"));
            }
            assertTrue(announced, "the announcement was switched on live");
            Files.writeString(file, "flow: {zero-out: maybe}\n");
            Thread.sleep(400);
            assertTrue(TestServer.call(server, SimulatedCall.Options.defaults()).exchanges().stream()
                    .anyMatch(e -> e.command().contains("hotline/announcement")), "a broken edit keeps the running flow");
            // What an operator alerts on: the node runs an older configuration than the file says.
            assertTrue(get(server, "/metrics").body().contains("ivr_config_last_reload_successful 0.0"));
            Files.writeString(file, TestServer.PORTS + "reload-interval: 100ms\n");
            deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!get(server, "/metrics").body().contains("ivr_config_last_reload_successful 1.0")) {
                assertTrue(System.nanoTime() < deadline, "a valid file again sets the gauge back to 1");
                Thread.sleep(50);
            }
        }
    }

    @Test
    void reloadsDuringCallsNeitherDropNorMisrouteAny(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hotline.yaml");
        String base = TestServer.PORTS + "reload-interval: 100ms\n";
        Files.writeString(file, base);
        try (HotlineServer server = new HotlineServer(Settings.load(file, Map.of()), file, Map.of())) {
            server.start();
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            List<CompletableFuture<List<SimulatedCall.Result>>> callers = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                callers.add(CompletableFuture.supplyAsync(() -> {
                    List<SimulatedCall.Result> results = new java.util.ArrayList<>();
                    while (System.nanoTime() < until) {
                        results.add(TestServer.call(server, SimulatedCall.Options.defaults().withPromptTime(Duration.ofMillis(40))));
                    }
                    return results;
                }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
            }
            boolean on = false;
            while (System.nanoTime() < until) {
                on = !on;
                // Replaced as an operator should: written beside it, then moved over it in one step.
                Path next = dir.resolve("hotline.yaml.new");
                Files.writeString(next, base + "flow:\n  announcement:\n    enabled: " + on + "\n");
                Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                Thread.sleep(350);
            }
            int with = 0;
            int without = 0;
            for (var caller : callers) {
                for (SimulatedCall.Result r : caller.get()) {
                    assertEquals("OK", r.variables().get("IVR_STATUS"), r.toString());
                    assertEquals("queue", r.variables().get("IVR_ROUTE"), r.toString());
                    if (r.exchanges().stream().anyMatch(e -> e.command().contains("hotline/announcement"))) {
                        with++;
                    } else {
                        without++;
                    }
                }
            }
            assertTrue(with > 0 && without > 0, "calls ran under both versions: " + with + " with, " + without + " without");
            assertEquals(1.0, server.registry().get("ivr.config.last.reload.successful").gauge().value());
        }
    }
}
