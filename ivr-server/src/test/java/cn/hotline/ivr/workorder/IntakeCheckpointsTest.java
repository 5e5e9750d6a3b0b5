package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.testing.Await;
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
        assertReadSkipping(file, "1795448040.7", ":2: not a checkpoint");
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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCharacterCutInHalfOrJunkBytesDoNotStopTheNextStart() throws Exception {
        try (IntakeCheckpoints c = IntakeCheckpoints.open(dir)) {
            start(c, "1795448040.7", 7);
            c.heard("1795448040.7", "路灯坏了");
        }
        Path file = dir.resolve(IntakeCheckpoints.FILE);
        java.io.ByteArrayOutputStream more = new java.io.ByteArrayOutputStream();
        more.write(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0xc3, '\n'}); // binary junk, not UTF-8
        more.write(utf8("{\"op\":\"heard\",\"id\":\"1795448040.9\",\"started\":\"2026-12-06T01:00:09Z\",\"heard\":\"井盖丢了\"}\n"));
        byte[] torn = utf8("{\"op\":\"heard\",\"id\":\"1795448040.8\",\"heard\":\"半句");
        more.write(torn, 0, torn.length - 2); // the kill (or a full disk) cut the last character in half
        Files.write(file, more.toByteArray(), StandardOpenOption.APPEND);
        try (LogCapture logs = new LogCapture(IntakeCheckpoints.class);
             IntakeCheckpoints again = IntakeCheckpoints.open(dir)) {
            assertEquals(List.of("1795448040.7", "1795448040.9"),
                    again.leftovers().stream().map(IntakeCheckpoints.Checkpoint::id).toList());
            assertEquals("井盖丢了", again.leftovers().get(1).heard());
            assertTrue(logs.any("WARN", IntakeCheckpoints.FILE + ":2: not a checkpoint"), logs.lines().toString());
            assertTrue(logs.any("WARN", IntakeCheckpoints.FILE + ":4: not a checkpoint"), logs.lines().toString());
        }
    }

    @Test
    void linesThatAreNotCheckpointsAreSkippedAndNoNumberInThemIsLogged() throws Exception {
        Path file = dir.resolve(IntakeCheckpoints.FILE);
        Files.writeString(file, String.join("\n",
                "null",
                "[]",
                "42",
                "{\"op\":\"heard\",\"heard\":\"没有编号\"}",
                "{\"op\":\"heard\",\"id\":\"13800138000\",\"caller\":\"13800138000\",\"heard\":\"编号是手机号\"}",
                "{\"op\":\"call 13900139000\",\"id\":\"1795448040.4\"}",
                "{\"op\":\"heard\",\"id\":\"1795448040.5\",\"started\":\"2026-12-06T01:00:05Z\",\"heard\":\"噪音\"}",
                ""), StandardCharsets.UTF_8);
        try (LogCapture logs = new LogCapture(IntakeCheckpoints.class)) {
            List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(file);
            assertEquals(List.of("1795448040.5"), open.stream().map(IntakeCheckpoints.Checkpoint::id).toList());
            assertTrue(logs.any("WARN", IntakeCheckpoints.FILE + ":1: not a checkpoint"), logs.lines().toString());
            assertTrue(logs.any("WARN", IntakeCheckpoints.FILE + ":5: "), logs.lines().toString());
            assertFalse(logs.lines().stream().anyMatch(l -> l.contains("13800138000") || l.contains("13900139000")),
                    "numbers masked: " + logs.lines());
        }
    }

    @Test
    void checkpointsWithoutAStartTimeDoNotBreakTheOrderOfTheOthers() throws Exception {
        Path file = dir.resolve(IntakeCheckpoints.FILE);
        for (int seed = 0; seed < 20; seed++) {
            java.util.Random random = new java.util.Random(seed);
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                String started = i % 3 == 0 ? "" : ",\"started\":\"" + T0.plusSeconds(random.nextInt(1000)) + "\"";
                lines.append("{\"op\":\"heard\",\"id\":\"1795448042.").append(i).append('"').append(started).append("}\n");
            }
            Files.writeString(file, lines, StandardCharsets.UTF_8);
            List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(file);
            assertEquals(100, open.size());
            List<Instant> times = open.stream().map(IntakeCheckpoints.Checkpoint::started).toList();
            List<Instant> known = times.stream().filter(java.util.Objects::nonNull).toList();
            assertEquals(66, known.size());
            assertEquals(known, times.subList(0, 66), "the calls without a start time come last; seed " + seed);
            assertEquals(known.stream().sorted().toList(), known, "the others in the order they started; seed " + seed);
        }
    }

    @Test
    void aLineTooLongForAnyCallersWordsIsSkippedWithoutBeingRead() throws Exception {
        Path file = dir.resolve(IntakeCheckpoints.FILE);
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            byte[] junk = new byte[1 << 16];
            java.util.Arrays.fill(junk, (byte) 'x');
            for (int i = 0; i < 48; i++) { // 3 MB without a line break
                out.write(junk);
            }
            out.write(utf8("\n{\"op\":\"heard\",\"id\":\"1795448040.6\",\"started\":\"2026-12-06T01:00:06Z\",\"heard\":\"漏水\"}\n"));
        }
        assertReadSkipping(file, "1795448040.6", ":1: longer than");
    }

    @Test
    void aFailedRewriteDoesNotStopTheWordsReachingTheFile() throws Exception {
        Path file = dir.resolve(IntakeCheckpoints.FILE);
        try (IntakeCheckpoints c = IntakeCheckpoints.open(dir, 1)) { // rewritten after every write
            // No new file can be made beside it (inodes used up, say): appending still works.
            Files.createDirectory(dir.resolve(IntakeCheckpoints.FILE + ".tmp"));
            start(c, "1795448040.1", 1);
            c.heard("1795448040.1", "我家楼下");
            try {
                c.flush();
            } catch (java.io.IOException expected) {
                // the rewrite failed; what was appended before it is on disk
            }
            c.heard("1795448040.1", "我家楼下的饭店油烟很大");
            try {
                c.flush();
            } catch (java.io.IOException expected) {
                // as above
            }
            List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(file);
            assertEquals(1, open.size(), open.toString());
            assertEquals("我家楼下的饭店油烟很大", open.get(0).heard(), "the latest words are on disk");
        }
    }

    private static List<String> problems(LogCapture logs) {
        return logs.lines().stream().filter(l -> l.startsWith("ERROR") || l.startsWith("WARN")).toList();
    }

    @Test
    void aRewriteProblemIsLoggedOnceAndSoIsItsEnd() throws Exception {
        Path tmp = dir.resolve(IntakeCheckpoints.FILE + ".tmp");
        try (LogCapture logs = new LogCapture(IntakeCheckpoints.class);
             IntakeCheckpoints c = IntakeCheckpoints.open(dir, 1)) {
            Files.createDirectory(tmp);
            start(c, "1795448040.1", 1);
            start(c, "1795448040.2", 2);
            for (int i = 0; i < 8; i++) { // four intervals of the writer, words changing all the time
                c.heard("1795448040.1", "第" + i + "句");
                Thread.sleep(IntakeCheckpoints.INTERVAL.toMillis() / 2);
            }
            List<String> problems = problems(logs);
            assertEquals(1, problems.size(), "one line per problem, not one a second: " + logs.lines());
            assertTrue(problems.get(0).startsWith("WARN") && problems.get(0).contains(IntakeCheckpoints.FILE)
                    && problems.get(0).contains("cannot rewrite it (Is a directory: "), problems.toString());
            assertFalse(problems.get(0).contains("java.") || problems.get(0).contains("Exception"),
                    "a reason, not a Java exception name: " + problems);

            Files.delete(tmp); // the disk is fine again
            c.settled("1795448040.2");
            c.heard("1795448040.1", "我家楼下的饭店油烟很大");
            Await.until("the writer reports that it writes again", java.time.Duration.ofSeconds(10),
                    () -> logs.any("INFO", "written again"));
            List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(dir.resolve(IntakeCheckpoints.FILE));
            assertEquals(List.of("1795448040.1"), open.stream().map(IntakeCheckpoints.Checkpoint::id).toList(),
                    "nothing lost, nothing settled comes back");
            assertEquals("我家楼下的饭店油烟很大", open.get(0).heard());
            assertEquals(1, problems(logs).size(), logs.lines().toString());
        }
    }

    @Test
    void aFailedRewriteIsRetriedWithoutWaitingForNewWords() throws Exception {
        Path tmp = dir.resolve(IntakeCheckpoints.FILE + ".tmp");
        try (LogCapture logs = new LogCapture(IntakeCheckpoints.class);
             IntakeCheckpoints c = IntakeCheckpoints.open(dir, 1)) {
            Files.createDirectory(tmp);
            start(c, "1795448040.1", 1);
            c.heard("1795448040.1", "我家楼下的饭店油烟很大");
            Await.until("the rewrite fails", java.time.Duration.ofSeconds(10), () -> logs.any("WARN", "cannot rewrite"));
            Files.delete(tmp); // room again, and the caller says nothing new
            Await.until("the writer reports that it writes again", java.time.Duration.ofSeconds(10),
                    () -> logs.any("INFO", "written again"));
            assertFalse(Files.exists(tmp));
        }
    }

    @Test
    void closingWhileTheWriterRewritesTheFileIsNotAnError() throws Exception {
        Path tmp = dir.resolve(IntakeCheckpoints.FILE + ".tmp");
        String words = "我家楼下的饭店油烟很大".repeat(150);
        try (LogCapture logs = new LogCapture(IntakeCheckpoints.class)) {
            IntakeCheckpoints c = IntakeCheckpoints.open(dir, 1); // the writer rewrites the file after every write
            for (int i = 0; i < 1500; i++) {
                start(c, "1795448043." + i, i);
                c.heard("1795448043." + i, words + i);
            }
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            for (long polls = 1; !Files.exists(tmp); polls++) {
                assertTrue(System.nanoTime() < deadline, "the writer rewrites the file");
                if (polls % 2000 == 0) { // about every 200 ms: something for the writer's next round to write
                    c.heard("1795448043.0", words + polls);
                }
                Thread.sleep(0, 100_000);
            }
            c.close(); // as a shutdown would, in the middle of the rewrite
            assertFalse(logs.any("ERROR", ""), logs.lines().toString());
            List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(dir.resolve(IntakeCheckpoints.FILE));
            assertEquals(1500, open.size());
            assertEquals(words + "1499", open.get(1499).heard());
        }
    }

    /** Reading {@code file} finds only the call {@code open}, and warns about the line {@code warning} names. */
    private static void assertReadSkipping(Path file, String open, String warning) throws Exception {
        try (LogCapture logs = new LogCapture(IntakeCheckpoints.class)) {
            List<IntakeCheckpoints.Checkpoint> read = IntakeCheckpoints.read(file);
            assertEquals(List.of(open), read.stream().map(IntakeCheckpoints.Checkpoint::id).toList());
            assertTrue(logs.any("WARN", IntakeCheckpoints.FILE + warning), logs.lines().toString());
        }
    }
}
