package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction and crash recovery of the journal, observed through the outbox (no network). */
class OutboxCompactionTest {
    @TempDir
    Path tmp;

    private static OutboxSettings settings(Path dir) {
        return TestPorts.fastOutbox(dir, 64L << 10, 2);
    }

    private static List<Outbox.Entry> entries(OutboxSettings s) throws Exception {
        try (Outbox o = Outbox.open(s, new SimpleMeterRegistry())) {
            assertEquals(0, o.quarantined().size(), o.quarantined().toString());
            return o.entries();
        }
    }

    private static List<Path> segments(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void aSnapshotIsSplitIntoBoundedSegmentsAndACrashBeforeDeletingOldOnesReplaysTheSameState() throws Exception {
        OutboxSettings s = settings(tmp.resolve("outbox"));
        try (Outbox o = Outbox.open(s, new SimpleMeterRegistry())) {
            for (int i = 0; i < 150; i++) {
                o.persist(SampleDrafts.complaint("1795448080." + i, Instant.now()));
            }
        }
        List<Outbox.Entry> before = entries(s);
        Path crashed = tmp.resolve("crashed");
        copy(s.dir(), crashed, segments(s.dir()));

        try (Outbox o = Outbox.open(s, new SimpleMeterRegistry())) {
            o.compact();
        }
        List<Path> after = segments(s.dir());
        assertTrue(after.size() >= 3, "150 drafts of ~1.3 KB in 64 KB segments: " + after);
        for (Path p : after) {
            assertTrue(Files.size(p) <= s.segmentBytes(), p + " is " + Files.size(p) + " bytes");
        }
        assertEquals(before, entries(s));

        // The crash: snapshot segments renamed into place, old segments not yet deleted; first only part of them.
        copy(s.dir(), crashed, after.subList(0, 1));
        assertEquals(before, entries(settings(crashed)));
        copy(s.dir(), crashed, after);
        assertEquals(before, entries(settings(crashed)));
    }

    @Test
    void aRecordCutShortByACrashIsSetAsideAndTheJournalContinues() throws Exception {
        OutboxSettings s = settings(tmp.resolve("outbox"));
        try (Outbox o = Outbox.open(s, new SimpleMeterRegistry())) {
            for (int i = 0; i < 5; i++) {
                o.persist(SampleDrafts.complaint("1795448081." + i, Instant.now()));
            }
        }
        Path segment = segments(s.dir()).get(0);
        byte[] data = Files.readAllBytes(segment);
        Files.write(segment, java.util.Arrays.copyOf(data, data.length - 100));
        try (Outbox o = Outbox.open(s, new SimpleMeterRegistry())) {
            assertEquals(1, o.quarantined().size());
            assertTrue(o.quarantined().get(0).reason().startsWith("incomplete record at the end"), o.quarantined().get(0).reason());
            assertEquals(4, o.entries().size());
            o.persist(SampleDrafts.complaint("1795448081.9", Instant.now()));
        }
        assertEquals(5, entries(s).size());
    }

    private static void copy(Path from, Path to, List<Path> files) throws Exception {
        Files.createDirectories(to);
        for (Path f : files) {
            Files.copy(f, to.resolve(from.relativize(f)), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
