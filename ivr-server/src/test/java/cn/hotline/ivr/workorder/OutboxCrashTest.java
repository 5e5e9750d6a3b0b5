package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: the persisting process is killed with SIGKILL mid-burst, then restarted. */
class OutboxCrashTest {
    private static final int DRAFTS = 240;

    @TempDir
    Path tmp;

    @Test
    void everyDraftWhosePersistReturnedIsDeliveredExactlyOnceAfterSigkill() throws Exception {
        // Latency keeps delivery (4 workers) behind the burst, so drafts are pending when the kill comes;
        // failures (half of them after storing) make the restarted process resend delivered drafts.
        var options = new TicketBackend.Options(new InetSocketAddress("127.0.0.1", 0), tmp.resolve("backend"), 0.1,
                Duration.ofMillis(40), Duration.ZERO, 7);
        try (TicketBackend backend = TicketBackend.start(options)) {
            Path outbox = tmp.resolve("outbox");
            Child first = Child.start(outbox, backend, tmp.resolve("first.log"));
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (first.persisted().size() < 60 && first.process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            first.process.destroyForcibly(); // SIGKILL: no shutdown hooks, no final fsync
            assertTrue(first.process.waitFor(10, TimeUnit.SECONDS));
            first.reader.join(5000);
            assertEquals(137, first.process.exitValue(), "killed by SIGKILL");
            assertFalse(first.lines.contains("all-persisted"), "killed mid-burst");
            List<String> persistedBeforeKill = first.persisted();
            assertTrue(persistedBeforeKill.size() >= 60, "persisted before the kill: " + persistedBeforeKill.size());
            int storedAtKill = TestPorts.storedIds(backend.baseUrl()).size();
            assertTrue(storedAtKill < persistedBeforeKill.size(),
                    "some persisted drafts were still pending at the kill: " + storedAtKill + " of " + persistedBeforeKill.size());

            Child second = Child.start(outbox, backend, tmp.resolve("second.log"));
            assertTrue(second.process.waitFor(60, TimeUnit.SECONDS), "restarted process finished; log in " + tmp);
            second.reader.join(5000);
            assertEquals(0, second.process.exitValue());
            assertTrue(second.lines.contains("drained"), "restarted process delivered everything: " + second.lines.subList(0, 1));

            Map<String, Integer> stored = TestPorts.storedIds(backend.baseUrl());
            for (String id : persistedBeforeKill) {
                assertEquals(1, stored.getOrDefault(id, 0), "work orders for " + id + ", persisted before the kill");
            }
            for (int i = 0; i < DRAFTS; i++) {
                assertEquals(1, stored.getOrDefault("1795448050." + i, 0), "work orders for 1795448050." + i);
            }
            assertEquals(DRAFTS, stored.size());
        }
    }

    private record Child(Process process, Thread reader, List<String> lines) {
        static Child start(Path outbox, TicketBackend backend, Path log) throws Exception {
            ChildJvm c = ChildJvm.start(CrashingPersister.class, log, outbox.toString(), backend.baseUrl().toString(),
                    "1795448050", String.valueOf(DRAFTS));
            return new Child(c.process(), c.reader(), c.lines());
        }

        List<String> persisted() {
            return lines.stream().filter(l -> l.startsWith("persisted ")).map(l -> l.substring("persisted ".length())).toList();
        }
    }
}
