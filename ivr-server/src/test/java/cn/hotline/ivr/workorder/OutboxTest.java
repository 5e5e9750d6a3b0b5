package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox against a real development backend over real HTTP. */
class OutboxTest {
    @TempDir
    Path tmp;

    private static OutboxSettings fast(Path dir) {
        return TestPorts.fastOutbox(dir, 1L << 20, 4);
    }

    private static TicketClient client(int port) {
        return new TicketClient(new TicketSettings(URI.create("http://127.0.0.1:" + port + "/"), Duration.ofMillis(500), Duration.ofSeconds(2)));
    }

    private TicketBackend startBackend(double failRate, Duration latency) throws java.io.IOException {
        return TicketBackend.start(new TicketBackend.Options(new InetSocketAddress("127.0.0.1", 0), tmp.resolve("backend"),
                failRate, latency, Duration.ZERO, 42));
    }

    private static List<String> persist(Outbox outbox, String prefix, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = prefix + "." + i;
            outbox.persist(SampleDrafts.complaint(id, Instant.now()));
            ids.add(id);
        }
        return ids;
    }

    private static List<String> persistAndClose(OutboxSettings s, String prefix, int n) throws Exception {
        try (Outbox outbox = Outbox.open(s, new SimpleMeterRegistry())) {
            return persist(outbox, prefix, n);
        }
    }

    private static void assertEachStoredOnce(URI backend, List<String> ids) throws Exception {
        Map<String, Integer> stored = TestPorts.storedIds(backend);
        for (String id : ids) {
            assertEquals(1, stored.getOrDefault(id, 0), "work orders stored for " + id);
        }
        assertEquals(ids.size(), stored.size(), "no other work orders");
    }

    @Test
    void backendDownForTheWholeRunThenBackDeliversEveryDraftOnce() throws Exception {
        int port = TestPorts.freePort();
        try (Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            outbox.startDelivery(client(port));
            List<String> ids = persist(outbox, "1795448040", 40);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (outbox.stats().retriesTotal() < 2L * ids.size() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Outbox.Stats down = outbox.stats();
            assertTrue(down.retriesTotal() >= 2L * ids.size(), "every draft was tried and failed at least twice: " + down);
            assertEquals(ids.size(), down.pending());
            assertEquals(0, down.delivered());
            assertTrue(down.oldestPendingSeconds() >= 0);
            assertTrue(outbox.find(ids.get(7)).isPresent(), "the screen pop reads drafts while the backend is down");

            try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(port, tmp.resolve("backend")))) {
                assertTrue(outbox.awaitDrained(Duration.ofSeconds(15)), "drained: " + outbox.stats());
                assertEquals(ids.size(), outbox.stats().delivered());
                assertEachStoredOnce(backend.baseUrl(), ids);
                assertTrue(outbox.entry(ids.get(0)).orElseThrow().reference().startsWith("T-"));
            }
        }
    }

    @Test
    void flakyBackendThatLosesAnswersStillStoresEachDraftOnce() throws Exception {
        try (TicketBackend backend = startBackend(0.5, Duration.ZERO);
                Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            outbox.startDelivery(client(backend.port()));
            List<String> ids = persist(outbox, "1795448041", 60);
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(15)), "drained: " + outbox.stats());
            assertTrue(outbox.stats().retriesTotal() > 0, "the backend failed some requests");
            assertTrue(backend.posts() > ids.size(), "some answers were lost after storing and the drafts sent again");
            assertEachStoredOnce(backend.baseUrl(), ids);
        }
    }

    @Test
    void slowBackendDoesNotSlowPersist() throws Exception {
        try (TicketBackend backend = startBackend(0, Duration.ofSeconds(3));
                Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")).withWorkers(8), new SimpleMeterRegistry())) {
            TicketClient slowOk = new TicketClient(new TicketSettings(backend.baseUrl(), Duration.ofMillis(500), Duration.ofSeconds(10)));
            outbox.startDelivery(slowOk);
            List<String> ids = persist(outbox, "1795448042", 8);
            // Persist returned for every draft before the backend answered even once.
            assertEquals(0, outbox.stats().delivered(), "persist must not wait for delivery");
            assertEquals(ids.size(), outbox.stats().pending());
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(15)), "drained: " + outbox.stats());
            assertEachStoredOnce(backend.baseUrl(), ids);
        }
    }

    @Test
    void timeoutsAgainstASlowBackendAreRetriedWithoutDuplicates() throws Exception {
        try (TicketBackend backend = startBackend(0, Duration.ofMillis(600));
                Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            // Each attempt times out after 300 ms, but the backend stores the draft anyway: the
            // retry must get the stored answer, not create a second work order.
            outbox.startDelivery(new TicketClient(new TicketSettings(backend.baseUrl(), Duration.ofMillis(500), Duration.ofMillis(300))));
            List<String> ids = persist(outbox, "1795448043", 5);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (backend.size() < ids.size() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(ids.size(), backend.size(), "the backend stored every draft despite the timeouts");
            assertTrue(outbox.stats().retriesTotal() >= ids.size());
            assertEquals(0, outbox.stats().delivered(), "no answer arrived in time");
            assertEachStoredOnce(backend.baseUrl(), ids);
        }
    }

    @Test
    void permanentRejectionEndsInTheDeadLettersWithItsReason() throws Exception {
        int port = TestPorts.freePort();
        try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(port, tmp.resolve("backend")));
                Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            outbox.startDelivery(client(port));
            outbox.persist(SampleDrafts.withTranscript("1795448044.1", Instant.now(), "停水".repeat(2500)));
            outbox.persist(SampleDrafts.complaint("1795448044.2", Instant.now()));
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
            Outbox.Entry dead = outbox.entry("1795448044.1").orElseThrow();
            assertEquals(Outbox.State.DEAD, dead.state());
            assertTrue(dead.deadReason().contains("HTTP 422") && dead.deadReason().contains("longer than 4000"), dead.deadReason());
            assertEquals(0, dead.attempts(), "a 4xx is not retried");
            assertEquals(Outbox.State.DELIVERED, outbox.entry("1795448044.2").orElseThrow().state());
            assertEquals(1, outbox.stats().dead());

            assertTrue(outbox.retry("1795448044.1"), "a dead letter can be sent again");
            assertFalse(outbox.retry("1795448044.2"), "a delivered draft is not a dead letter");
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
            assertEquals(Outbox.State.DEAD, outbox.entry("1795448044.1").orElseThrow().state());
            assertEachStoredOnce(backend.baseUrl(), List.of("1795448044.2"));
        }
    }

    @Test
    void draftsOlderThanMaxAgeGoToTheDeadLetters() throws Exception {
        OutboxSettings s = fast(tmp.resolve("outbox"));
        s = new OutboxSettings(s.dir(), s.maxBytes(), s.alarmRatio(), s.segmentBytes(), Duration.ofMillis(300),
                s.keepDelivered(), s.backoffBase(), s.backoffCap(), 2);
        try (Outbox outbox = Outbox.open(s, new SimpleMeterRegistry())) {
            outbox.startDelivery(client(TestPorts.freePort()));
            outbox.persist(SampleDrafts.complaint("1795448045.1", Instant.now()));
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(5)));
            Outbox.Entry e = outbox.entry("1795448045.1").orElseThrow();
            assertEquals(Outbox.State.DEAD, e.state());
            assertTrue(e.deadReason().contains("outbox.max-age") && e.deadReason().contains("connection refused"), e.deadReason());
        }
        // The dead letter and its reason survive a restart.
        try (Outbox again = Outbox.open(s, new SimpleMeterRegistry())) {
            assertTrue(again.entry("1795448045.1").orElseThrow().deadReason().contains("outbox.max-age"));
        }
    }

    @Test
    void pendingDraftsSurviveARestart() throws Exception {
        OutboxSettings s = fast(tmp.resolve("outbox"));
        List<String> ids = persistAndClose(s, "1795448046", 20);
        int port = TestPorts.freePort();
        try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(port, tmp.resolve("backend")));
                Outbox outbox = Outbox.open(s, new SimpleMeterRegistry())) {
            assertEquals(20, outbox.stats().pending());
            assertEquals(SampleDrafts.complaint(ids.get(3), outbox.find(ids.get(3)).orElseThrow().createdAt()), outbox.find(ids.get(3)).orElseThrow());
            outbox.startDelivery(client(port));
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
            assertEachStoredOnce(backend.baseUrl(), ids);
        }
    }

    @Test
    void aDamagedRecordIsQuarantinedAndReportedWhileTheRestFlows() throws Exception {
        OutboxSettings s = fast(tmp.resolve("outbox"));
        List<String> ids = persistAndClose(s, "1795448047", 10);
        Path segment = Journal.segmentFile(s.dir(), 1);
        byte[] data = Files.readAllBytes(segment);
        int at = indexOf(data, ("\"" + ids.get(4) + "\"").getBytes(StandardCharsets.UTF_8));
        data[at + 3] ^= 0x5a; // one flipped bit pattern inside the fifth draft
        Files.write(segment, data);

        int port = TestPorts.freePort();
        try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(port, tmp.resolve("backend")));
                Outbox outbox = Outbox.open(s, new SimpleMeterRegistry())) {
            List<Quarantined> bad = outbox.quarantined();
            assertEquals(1, bad.size(), bad.toString());
            assertEquals("checksum mismatch", bad.get(0).reason());
            assertTrue(Files.exists(bad.get(0).file()), "the damaged bytes are kept for inspection");
            assertTrue(outbox.find(ids.get(4)).isEmpty());
            outbox.startDelivery(client(port));
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
            List<String> survivors = new ArrayList<>(ids);
            survivors.remove(4);
            assertEachStoredOnce(backend.baseUrl(), survivors);
        }
        try (Outbox outbox = Outbox.open(s, new SimpleMeterRegistry())) {
            assertEquals(0, outbox.quarantined().size(), "reported once; compaction removed the damaged bytes");
            assertEquals(9, outbox.entries().size());
        }
    }

    @Test
    void diskUsageIsBoundedWithAnAlarmBeforeTheBound() throws Exception {
        OutboxSettings s = new OutboxSettings(tmp.resolve("outbox"), 200_000, 0.5, 64_000, Duration.ofDays(1), Duration.ZERO,
                Duration.ofMillis(20), Duration.ofMillis(200), 2);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Outbox outbox = Outbox.open(s, registry)) {
            int persisted = 0;
            boolean alarmBeforeFull = false;
            Outbox.FullException full = null;
            while (full == null && persisted < 1000) {
                try {
                    outbox.persist(SampleDrafts.complaint("1795448048." + persisted, Instant.now()));
                    persisted++;
                    alarmBeforeFull |= registry.get("ivr.outbox.disk.alarm").gauge().value() == 1;
                } catch (Outbox.FullException e) {
                    full = e;
                }
            }
            assertTrue(full != null && full.getMessage().contains("outbox.max-bytes"), "persist refuses at the bound");
            assertTrue(alarmBeforeFull, "the alarm was raised before the bound");
            assertTrue(outbox.stats().diskBytes() <= s.maxBytes(), outbox.stats().diskBytes() + " bytes on disk, bound " + s.maxBytes());
            assertEquals(persisted, outbox.stats().pending(), "nothing persisted was lost");

            // Once delivered (and not kept), compaction gives the space back.
            try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(0, tmp.resolve("backend")))) {
                outbox.startDelivery(client(backend.port()));
                assertTrue(outbox.awaitDrained(Duration.ofSeconds(15)));
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (outbox.stats().diskBytes() > s.segmentBytes() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(outbox.stats().diskBytes() <= s.segmentBytes(), "compacted: " + outbox.stats());
                outbox.persist(SampleDrafts.complaint("1795448048.after", Instant.now()));
                assertTrue(outbox.awaitDrained(Duration.ofSeconds(5)));
                assertEquals(persisted + 1, TestPorts.storedIds(backend.baseUrl()).size());
            }
        }
    }

    @Test
    void nearTheBoundDeliveredDraftsGiveWayToNewOnes() throws Exception {
        OutboxSettings s = new OutboxSettings(tmp.resolve("outbox"), 200_000, 0.5, 64_000, Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofMillis(20), Duration.ofMillis(200), 2);
        try (TicketBackend backend = startBackend(0, Duration.ZERO);
                Outbox outbox = Outbox.open(s, new SimpleMeterRegistry())) {
            outbox.startDelivery(client(backend.port()));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 400; i++) { // ~530 KB of drafts through a 200 KB outbox that keeps delivered drafts an hour
                String id = "1795448052." + i;
                outbox.persist(SampleDrafts.complaint(id, Instant.now()));
                ids.add(id);
                if (i % 50 == 49) {
                    assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
                }
            }
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
            assertTrue(outbox.stats().diskBytes() <= s.maxBytes(), outbox.stats().diskBytes() + " bytes on disk, bound " + s.maxBytes());
            assertEachStoredOnce(backend.baseUrl(), ids);
        }
    }

    @Test
    void metricsAreExportedUnderTheirPrometheusNames() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), registry)) {
            outbox.startDelivery(client(TestPorts.freePort()));
            persist(outbox, "1795448051", 3);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (outbox.stats().retriesTotal() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            String scrape = registry.scrape();
            for (String line : List.of("ivr_outbox_pending 3.0", "ivr_outbox_delivered_total 0.0", "ivr_outbox_dead_letters 0.0",
                    "ivr_outbox_disk_alarm 0.0", "ivr_outbox_quarantined 0.0")) {
                assertTrue(scrape.contains(line), line + " in\n" + scrape);
            }
            for (String name : List.of("ivr_outbox_retries_total ", "ivr_outbox_oldest_pending_seconds ", "ivr_outbox_disk_bytes ",
                    "ivr_outbox_persist_seconds_count 3")) {
                assertTrue(scrape.contains(name), name + " in\n" + scrape);
            }
        }
    }

    @Test
    void aDifferentDraftUnderAnExistingIdIsRefused() throws Exception {
        try (Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            Draft d = SampleDrafts.complaint("1795448049.1", Instant.now());
            outbox.persist(d);
            outbox.persist(d);
            assertEquals(1, outbox.entries().size());
            assertThrows(IllegalStateException.class,
                    () -> outbox.persist(SampleDrafts.withTranscript("1795448049.1", d.createdAt(), "别的内容")));
            assertEquals(d, outbox.find("1795448049.1").orElseThrow());
        }
    }

    @Test
    void aSecondWriterOnTheSameDirectoryIsRefused() throws Exception {
        try (Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            var e = assertThrows(java.io.IOException.class, () -> Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry()));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }

    static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void aFailedAttemptIsLoggedWithTheCallIdAndWithoutTheNumbersABackendEchoes() throws Exception {
        com.sun.net.httpserver.HttpServer echoing = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        echoing.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "<html>Bad gateway. caller 13812345678 id 11010519491231002X</html>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(502, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        echoing.start();
        try (var log = new cn.hotline.ivr.testing.LogCapture(Outbox.class);
                Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            outbox.startDelivery(client(echoing.getAddress().getPort()));
            outbox.persist(SampleDrafts.complaint("1795448050.1", Instant.now()));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!log.any("INFO", "attempt 1 failed") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // What `ivr outbox list` shows from another process while the server retries.
            Outbox.Entry seen = Outbox.inspect(tmp.resolve("outbox")).entries().get(0);
            assertEquals(1, seen.attempts(), seen.toString());
            assertTrue(seen.lastError().contains("HTTP 502"), seen.toString());
            String line = log.lines().stream().filter(l -> l.contains("attempt 1 failed")).findFirst().orElseThrow();
            assertTrue(line.startsWith("INFO [1795448050.1] ") && line.contains("HTTP 502"), line);
            assertFalse(line.contains("13812345678") || line.contains("11010519491231002X"), line);
            assertTrue(line.contains("138****5678") && line.contains("002X"), line);
        } finally {
            echoing.stop(0);
        }
    }

    @Test
    void retryAfterHoldsBackEveryDraftNotOnlyTheOneItAnswered() throws Exception {
        // The backend is overloaded for 2 s: it answers 429 "come back in 2 s" meanwhile.
        List<Long> posts = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicLong busyUntil = new java.util.concurrent.atomic.AtomicLong();
        com.sun.net.httpserver.HttpServer busy = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        busy.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            long now = System.nanoTime();
            posts.add(now);
            busyUntil.compareAndSet(0, now + 2_000_000_000L);
            boolean overloaded = now - busyUntil.get() < 0;
            if (overloaded) {
                exchange.getResponseHeaders().set("Retry-After", "2");
            }
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(overloaded ? 429 : 201, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        busy.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        busy.start();
        try (Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            for (int i = 1; i <= 40; i++) {
                outbox.persist(SampleDrafts.complaint("1795448053." + i, Instant.now()));
            }
            outbox.startDelivery(client(busy.getAddress().getPort()));
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(20)));
            long first = posts.get(0);
            long duringHold = posts.stream().filter(t -> t - first < 1_900_000_000L).count();
            // Only the requests already on their way when the first 429 came (one per worker), not one per draft.
            assertTrue(duringHold <= 4 + 1, duringHold + " requests while the backend asked for 2 s of quiet: " + posts.size());
            assertEquals(40, posts.stream().filter(t -> t - first >= 1_900_000_000L).count(), "each draft then once");
        } finally {
            busy.stop(0);
        }
    }

    @Test
    void retryAfterHoldsTheNextAttemptBackBeyondTheBackoffCap() throws Exception {
        List<Long> posts = java.util.Collections.synchronizedList(new ArrayList<>());
        com.sun.net.httpserver.HttpServer busy = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        busy.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            posts.add(System.nanoTime());
            byte[] body = "{\"error\":\"too many requests\"}".getBytes(StandardCharsets.UTF_8);
            int status = 201;
            if (posts.size() == 1) {
                status = 429;
                exchange.getResponseHeaders().set("Retry-After", "1");
            }
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        busy.start();
        try (Outbox outbox = Outbox.open(fast(tmp.resolve("outbox")), new SimpleMeterRegistry())) {
            outbox.startDelivery(client(busy.getAddress().getPort()));
            outbox.persist(SampleDrafts.complaint("1795448051.1", Instant.now()));
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
            assertEquals(2, posts.size());
            long gapMs = (posts.get(1) - posts.get(0)) / 1_000_000;
            assertTrue(gapMs >= 950, "the backend asked for 1 s, backoff-cap is 200 ms; waited " + gapMs + " ms");
        } finally {
            busy.stop(0);
        }
    }

    @Test
    void theBearerTokenIsSentAndAWrongOneEndsInTheDeadLettersWithoutShowingIt() throws Exception {
        String token = "tk-7f3a9c2e51d04b86";
        try (var log = new cn.hotline.ivr.testing.LogCapture(Outbox.class);
                TicketBackend backend = TicketBackend.start(new TicketBackend.Options(new InetSocketAddress("127.0.0.1", 0),
                        tmp.resolve("backend"), 0, Duration.ZERO, Duration.ZERO, 1).withToken(token));
                Outbox right = Outbox.open(fast(tmp.resolve("right")), new SimpleMeterRegistry());
                Outbox wrong = Outbox.open(fast(tmp.resolve("wrong")), new SimpleMeterRegistry())) {
            right.startDelivery(new TicketClient(new TicketSettings(backend.baseUrl(), Duration.ofMillis(500), Duration.ofSeconds(2), token)));
            wrong.startDelivery(new TicketClient(new TicketSettings(backend.baseUrl(), Duration.ofMillis(500), Duration.ofSeconds(2), "tk-other")));
            right.persist(SampleDrafts.complaint("1795448052.1", Instant.now()));
            wrong.persist(SampleDrafts.complaint("1795448052.2", Instant.now()));
            assertTrue(right.awaitDrained(Duration.ofSeconds(10)) && wrong.awaitDrained(Duration.ofSeconds(10)));
            assertEquals(Outbox.State.DELIVERED, right.entry("1795448052.1").orElseThrow().state());
            Outbox.Entry dead = wrong.entry("1795448052.2").orElseThrow();
            assertEquals(Outbox.State.DEAD, dead.state());
            assertEquals("rejected by the ticket backend: HTTP 401: missing or wrong bearer token (Authorization: Bearer <ticket.token>)",
                    dead.deadReason());
            assertEquals(1, backend.size());
            assertTrue(log.lines().stream().noneMatch(l -> l.contains(token) || l.contains("tk-other")), log.lines().toString());
            String reference = right.entry("1795448052.1").orElseThrow().reference();
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("INFO") && l.contains("[1795448052.1]")
                    && l.contains("delivered to the ticket backend as " + reference + " (HTTP 201, attempt 1)")),
                    "operators can see which ticket a call became: " + log.lines());
        }
    }

    @Test
    void aNewDraftIsNotQueuedBehindABacklogDrainingAfterAnOutage() throws Exception {
        OutboxSettings s = fast(tmp.resolve("outbox")).withWorkers(1);
        List<String> backlog = persistAndClose(s, "1795448053", 300); // written while the backend was down
        try (TicketBackend backend = startBackend(0, Duration.ofMillis(20));
                Outbox outbox = Outbox.open(s, new SimpleMeterRegistry())) {
            outbox.startDelivery(client(backend.port()));
            Thread.sleep(100); // the backlog is draining, one request at a time
            outbox.persist(SampleDrafts.complaint("1795448054.1", Instant.now()));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (outbox.entry("1795448054.1").orElseThrow().state() == Outbox.State.PENDING && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            int backlogLeft = outbox.stats().pending();
            assertEquals(Outbox.State.DELIVERED, outbox.entry("1795448054.1").orElseThrow().state());
            assertTrue(backlogLeft > backlog.size() / 2, "the new call's draft went first; backlog still pending: " + backlogLeft);
        }
    }
}
