package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.testing.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file that keeps callers' words safe while they are still speaking. */
class IntakeCheckpointsTest {
    private static final Instant T0 = Instant.parse("2026-12-06T01:00:00Z");

    @TempDir
    Path dir;

    private static void start(IntakeCheckpoints c, String id, int second) {
        c.started(id, "13800138000", "12345", "PJSIP/carrier-trunk-0000002a", "zh", T0.plusSeconds(second));
    }

    @Test
    void openCallsKeepTheirLatestWordsAndSettledCallsAreGone() throws Exception {
        try (IntakeCheckpoints c = IntakeCheckpoints.open(dir)) {
            assertTrue(c.leftovers().isEmpty());
            start(c, "1795448040.2", 2);
            start(c, "1795448040.1", 1);
            start(c, "1795448040.3", 3);
            c.heard("1795448040.1", "我家楼下");
            c.flush();
            c.heard("1795448040.1", "我家楼下的饭店油烟很大");
            c.heard("1795448040.2", "水管爆了");
            c.settled("1795448040.2");
            c.heard("1795448040.2", "水管爆了到处是水"); // a late partial after the draft: ignored
            c.flush();
            assertEquals(2, c.openCount());
        }
        List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(dir.resolve(IntakeCheckpoints.FILE));
        assertEquals(List.of("1795448040.1", "1795448040.3"), open.stream().map(IntakeCheckpoints.Checkpoint::id).toList(),
                "open calls, in the order they started");
        assertEquals("我家楼下的饭店油烟很大", open.get(0).heard());
        assertEquals("13800138000", open.get(0).caller());
        assertEquals("PJSIP/carrier-trunk-0000002a", open.get(0).channel());
        assertEquals(T0.plusSeconds(1), open.get(0).started());
        assertEquals("", open.get(1).heard(), "a caller who has not been understood yet still gets a draft");

        try (IntakeCheckpoints again = IntakeCheckpoints.open(dir)) {
            assertEquals(2, again.leftovers().size(), "open calls survive a restart until their draft is written");
            again.settled("1795448040.1");
            again.settled("1795448040.3");
        }
        try (IntakeCheckpoints third = IntakeCheckpoints.open(dir)) {
            assertTrue(third.leftovers().isEmpty());
        }
    }

    @Test
    void aLineCutShortByAKillIsSkippedAndTheRestIsRead() throws Exception {
        try (IntakeCheckpoints c = IntakeCheckpoints.open(dir)) {
            start(c, "1795448040.7", 7);
            c.heard("1795448040.7", "路灯坏了");
            c.flush();
        }
        Path file = dir.resolve(IntakeCheckpoints.FILE);
        Files.writeString(file, "{\"op\":\"heard\",\"id\":\"1795448040.8\",\"heard\":\"半句", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        try (LogCapture logs = new LogCapture(IntakeCheckpoints.class)) {
            List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(file);
            assertEquals(List.of("1795448040.7"), open.stream().map(IntakeCheckpoints.Checkpoint::id).toList());
            assertTrue(logs.any("WARN", IntakeCheckpoints.FILE + ":2: not a checkpoint"), logs.lines().toString());
        }
    }

    @Test
    void theFileIsRewrittenWithOnlyTheOpenCallsWhenItGrows() throws Exception {
        try (IntakeCheckpoints c = IntakeCheckpoints.open(dir, 4096)) {
            start(c, "1795448040.9", 9);
            for (int i = 0; i < 200; i++) {
                String id = "1795448041." + i;
                start(c, id, 10 + i);
                c.heard(id, "第" + i + "位来电人反映小区停车难");
                c.flush();
                c.settled(id);
            }
            c.heard("1795448040.9", "噪音扰民");
            c.flush();
            long size = Files.size(dir.resolve(IntakeCheckpoints.FILE));
            assertTrue(size < 4096 + 1024, "rewritten when past the threshold: " + size + " bytes");
        }
        List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(dir.resolve(IntakeCheckpoints.FILE));
        assertEquals(1, open.size(), open.toString());
        assertEquals("噪音扰民", open.get(0).heard());
        assertFalse(Files.exists(dir.resolve(IntakeCheckpoints.FILE + ".tmp")));
    }
}
