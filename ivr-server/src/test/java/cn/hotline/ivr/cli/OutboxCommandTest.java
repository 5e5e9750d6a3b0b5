package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.workorder.Outbox;
import cn.hotline.ivr.workorder.OutboxSettings;
import cn.hotline.ivr.workorder.SampleDrafts;
import cn.hotline.ivr.workorder.TicketBackend;
import cn.hotline.ivr.workorder.TicketClient;
import cn.hotline.ivr.workorder.TicketSettings;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxCommandTest {
    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
    }

    private static Result ivr(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** One delivered draft (.1) and one dead letter (.2, rejected with 422). */
    private OutboxSettings outboxWithOneDeliveredAndOneDead() throws Exception {
        OutboxSettings settings = OutboxSettings.defaults(tmp.resolve("outbox"));
        try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(0, tmp.resolve("backend")));
                Outbox outbox = Outbox.open(settings, new SimpleMeterRegistry())) {
            outbox.startDelivery(new TicketClient(TicketSettings.defaults(backend.baseUrl())));
            outbox.persist(SampleDrafts.complaint("1795448070.1", Instant.now()));
            outbox.persist(SampleDrafts.withTranscript("1795448070.2", Instant.now(), "噪音".repeat(2100)));
            assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
        }
        return settings;
    }

    @Test
    void listShowRetryAndPurgeOnAStoppedOutbox() throws Exception {
        String dir = outboxWithOneDeliveredAndOneDead().dir().toString();

        Result list = ivr("outbox", "list", "--dir", dir, "--json");
        assertEquals(0, list.code(), list.err());
        JsonNode entries = Json.MAPPER.readTree(list.out()).get("entries");
        assertEquals(2, entries.size());
        assertEquals("DELIVERED", entries.get(0).get("state").asText());
        assertEquals("DEAD", entries.get(1).get("state").asText());
        assertTrue(entries.get(1).get("deadReason").asText().contains("HTTP 422"));

        Result table = ivr("outbox", "list", "--dir", dir);
        assertTrue(table.out().contains("1795448070.2") && table.out().contains("DEAD"), table.out());
        assertTrue(table.err().contains("1 dead letter(s)"), table.err());

        Result show = ivr("outbox", "show", "1795448070.1", "--dir", dir);
        assertEquals(0, show.code(), show.err());
        JsonNode shown = Json.MAPPER.readTree(show.out());
        assertEquals("DELIVERED", shown.get("outbox").get("state").asText());
        assertEquals("福田区", shown.get("draft").get("region").get("districtName").asText());
        assertEquals(1, ivr("outbox", "show", "1795448070.9", "--dir", dir).code());

        Result notDead = ivr("outbox", "retry", "1795448070.1", "--dir", dir);
        assertEquals(1, notDead.code());
        assertTrue(notDead.err().contains("not a dead letter"));
        assertEquals(0, ivr("outbox", "retry", "1795448070.2", "--dir", dir).code());
        Result purge = ivr("outbox", "purge-delivered", "--dir", dir);
        assertEquals("purged 1 delivered draft(s)", purge.out().strip());

        JsonNode after = Json.MAPPER.readTree(ivr("outbox", "list", "--dir", dir, "--json").out()).get("entries");
        assertEquals(1, after.size());
        assertEquals("PENDING", after.get(0).get("state").asText());
    }

    @Test
    void retryWhileAServerHoldsTheOutboxIsAppliedByThatServer() throws Exception {
        OutboxSettings settings = outboxWithOneDeliveredAndOneDead();
        try (Outbox running = Outbox.open(settings, new SimpleMeterRegistry())) {
            Result queued = ivr("outbox", "retry", "1795448070.2", "--dir", settings.dir().toString());
            assertEquals(0, queued.code(), queued.err());
            assertTrue(queued.out().startsWith("queued for the running server"), queued.out());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (running.entry("1795448070.2").orElseThrow().state() != Outbox.State.PENDING && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(Outbox.State.PENDING, running.entry("1795448070.2").orElseThrow().state());
        }
    }

    @Test
    void retryDeadRequeuesEveryDeadLetterOnAStoppedOrARunningOutbox() throws Exception {
        OutboxSettings settings = outboxWithOneDeliveredAndOneDead();
        String dir = settings.dir().toString();
        try (Outbox outbox = Outbox.open(settings, new SimpleMeterRegistry())) {
            // A second dead letter, as a wrong ticket.token would leave behind (401 is final).
            outbox.persist(SampleDrafts.complaint("1795448070.4", Instant.now()));
            try (TicketBackend locked = TicketBackend.start(new TicketBackend.Options(new java.net.InetSocketAddress("127.0.0.1", 0),
                    tmp.resolve("locked"), 0, Duration.ZERO, Duration.ZERO, 1).withToken("right-token"))) {
                outbox.startDelivery(new TicketClient(TicketSettings.defaults(locked.baseUrl())));
                assertTrue(outbox.awaitDrained(Duration.ofSeconds(10)));
            }
            assertTrue(outbox.entry("1795448070.4").orElseThrow().deadReason().contains("HTTP 401"));
        }
        Result stopped = ivr("outbox", "retry-dead", "--dir", dir);
        assertEquals(0, stopped.code(), stopped.err());
        assertEquals("requeued 2 dead letter(s); the server delivers them when it runs", stopped.out().strip());
        try (Outbox running = Outbox.open(settings, new SimpleMeterRegistry())) {
            assertEquals(Outbox.State.PENDING, running.entry("1795448070.2").orElseThrow().state());
            assertEquals(Outbox.State.PENDING, running.entry("1795448070.4").orElseThrow().state());
            assertEquals(Outbox.State.DELIVERED, running.entry("1795448070.1").orElseThrow().state());
            assertEquals("no dead letters in " + dir, ivr("outbox", "retry-dead", "--dir", dir).out().strip());
        }
        try (TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(0, tmp.resolve("backend2")));
                Outbox running = Outbox.open(settings, new SimpleMeterRegistry())) {
            running.startDelivery(new TicketClient(TicketSettings.defaults(backend.baseUrl())));
            assertTrue(running.awaitDrained(Duration.ofSeconds(10)));
            assertEquals(Outbox.State.DEAD, running.entry("1795448070.2").orElseThrow().state(), "still too long for the backend");
            assertEquals(Outbox.State.DELIVERED, running.entry("1795448070.4").orElseThrow().state());
            Result queued = ivr("outbox", "retry-dead", "--dir", dir);
            assertEquals(0, queued.code(), queued.err());
            assertEquals("queued for the running server: retry of 1 dead letter(s)", queued.out().strip());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (backend.posts() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(3, backend.posts(), "the running server sent the requeued dead letter again");
        }
    }

    @Test
    void noSubcommandCreatesAnOutboxWhereThereIsNone() {
        Path nowhere = tmp.resolve("nested/ob");
        for (String[] action : new String[][] {{"retry", "1795448070.2"}, {"retry-dead"}, {"purge-delivered"}, {"list"}, {"show", "x"}}) {
            String[] argv = java.util.stream.Stream.concat(java.util.stream.Stream.of("outbox"),
                    java.util.stream.Stream.concat(java.util.Arrays.stream(action), java.util.stream.Stream.of("--dir", nowhere.toString())))
                    .toArray(String[]::new);
            Result r = ivr(argv);
            assertEquals(2, r.code(), action[0]);
            assertEquals("outbox: no outbox journal in " + nowhere + " (check outbox.dir in the configuration or --dir)", r.err().strip());
            assertFalse(Files.exists(tmp.resolve("nested")), action[0] + " created " + nowhere);
        }
    }

    @Test
    void retryOfAPendingDraftIsRefusedEvenWhileAServerRuns() throws Exception {
        OutboxSettings settings = outboxWithOneDeliveredAndOneDead();
        String dir = settings.dir().toString();
        try (Outbox running = Outbox.open(settings, new SimpleMeterRegistry())) {
            running.persist(SampleDrafts.complaint("1795448070.3", Instant.now())); // no delivery started: stays pending
            Result pending = ivr("outbox", "retry", "1795448070.3", "--dir", dir);
            assertEquals(1, pending.code());
            assertEquals("", pending.out());
            assertTrue(pending.err().startsWith("draft 1795448070.3 is pending, not a dead letter"), pending.err());
            Result unknown = ivr("outbox", "retry", "1795448070.9", "--dir", dir);
            assertEquals(1, unknown.code());
            assertTrue(unknown.err().startsWith("no draft 1795448070.9 in "), unknown.err());
            try (var requests = Files.list(settings.dir().resolve("requests"))) {
                assertEquals(0, requests.count(), "nothing handed to the server");
            }
        }
    }

    @Test
    void usageAndMissingOutboxAreClearErrors() {
        assertEquals(2, ivr("outbox", "list").code());
        assertEquals(2, ivr("outbox", "frobnicate", "--dir", tmp.toString()).code());
        Result missing = ivr("outbox", "list", "--dir", tmp.resolve("nothing").toString());
        assertEquals(2, missing.code());
        assertEquals("outbox: no outbox journal in " + tmp.resolve("nothing") + " (check outbox.dir in the configuration or --dir)",
                missing.err().strip());
        assertEquals(2, ivr("ticket-backend", "--data", tmp.toString()).code());
    }

    @Test
    void outboxAndTicketSectionsAreReadAndCheckedFromTheConfigFile() throws Exception {
        Path file = tmp.resolve("ivr.yaml");
        Files.writeString(file, """
                outbox:
                  dir: spool/outbox
                  max-bytes: 1073741824
                  alarm-ratio: 0.7
                  max-age: 2d
                  keep-delivered: 30m
                  backoff-base: 500ms
                  backoff-cap: 1m
                  workers: 4
                ticket:
                  base-url: https://tickets.example.gov.cn/api/
                  timeout: 3s
                  connect-timeout: 1s
                """);
        Settings s = Settings.load(file, Map.of());
        assertEquals(tmp.resolve("spool/outbox"), s.outbox().dir());
        assertEquals(1L << 30, s.outbox().maxBytes());
        assertEquals(Duration.ofDays(2), s.outbox().maxAge());
        assertEquals(Duration.ofMinutes(1), s.outbox().backoffCap());
        assertEquals("https://tickets.example.gov.cn/api/", s.ticket().baseUrl().toString());
        assertEquals(Duration.ofSeconds(3), s.ticket().timeout());
        assertEquals(4, Settings.load(file, Map.of("IVR_OUTBOX_WORKERS", "4")).outbox().workers());

        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> Settings.read(
                ConfigFile.fromYaml("bad.yaml", "outbox:\n  workers: 0\n  backoff-base: 2s\n  backoff-cap: 1s\nticket:\n  base-url: ftp://x\n",
                        tmp, Map.of())));
        String problems = e.getMessage();
        assertTrue(problems.contains("outbox.workers") && problems.contains("outbox.backoff-cap") && problems.contains("ticket.base-url"), problems);

        Result viaConfig = ivr("outbox", "list", "--config", file.toString());
        assertEquals(2, viaConfig.code());
        assertTrue(viaConfig.err().contains(tmp.resolve("spool/outbox").toString()), viaConfig.err());
    }
}
