package cn.hotline.ivr.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reloader, polled by hand (its own timer is set an hour out). */
class ConfigReloaderTest {
    @TempDir
    Path dir;

    private long tick = 1_000_000;

    private void write(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.fromMillis(tick += 10_000));
    }

    /** A change is applied on the second poll that sees it unchanged. */
    private static boolean settle(ConfigReloader reloader) {
        reloader.poll();
        return reloader.poll();
    }

    @Test
    void aDeletedFileIsReportedOnceAndItsReturnOnce() throws Exception {
        Path file = dir.resolve("hotline.yaml");
        write(file, "flow:\n  zero-out: true\n");
        List<Settings> applied = new ArrayList<>();
        try (LogCapture log = new LogCapture(ConfigReloader.class);
             ConfigReloader reloader = new ConfigReloader(file, Map.of(), Duration.ofHours(1), applied::add)) {
            Files.delete(file);
            for (int i = 0; i < 10; i++) {
                assertFalse(reloader.poll());
            }
            assertEquals(List.of("WARN [-] configuration " + file + " is gone; running on with the settings in force (restore it to reload)"),
                    log.lines(), "one line, not one per interval");
            write(file, "flow:\n  zero-out: false\n");
            assertTrue(settle(reloader), "the restored file is applied");
            assertEquals(1, applied.size());
            assertTrue(log.any("INFO", "configuration " + file + " is back"), log.lines().toString());
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("Exception")), log.lines().toString());
        }
    }

    @Test
    void aRestartOnlyChangeIsNamedOnceNotOnEveryLaterReload() throws Exception {
        Path file = dir.resolve("hotline.yaml");
        write(file, "agi:\n  bind: 127.0.0.1:4573\nflow:\n  zero-out: true\n");
        try (LogCapture log = new LogCapture(ConfigReloader.class);
             ConfigReloader reloader = new ConfigReloader(file, Map.of(), Duration.ofHours(1), s -> { })) {
            write(file, "agi:\n  bind: 127.0.0.1:4574\nflow:\n  zero-out: true\n");
            assertTrue(settle(reloader));
            write(file, "agi:\n  bind: 127.0.0.1:4574\nflow:\n  zero-out: false\n");
            assertTrue(settle(reloader));
            write(file, "agi:\n  bind: 127.0.0.1:4574\nflow:\n  zero-out: true\n");
            assertTrue(settle(reloader));
            List<String> warnings = log.lines().stream().filter(l -> l.startsWith("WARN")).toList();
            assertEquals(List.of("WARN [-] configuration " + file + ": agi.bind changed but take(s) effect only after a restart"
                    + " (only flow.* and prompts.* reload live)"), warnings);
            write(file, "agi:\n  bind: 127.0.0.1:4573\nflow:\n  zero-out: true\n");
            assertTrue(settle(reloader));
            assertTrue(log.any("INFO", "the restart-only keys are back to the running values"), log.lines().toString());
        }
    }

    @Test
    void aFileLeftEmptyOrWithOnlyCommentsIsNotAppliedAsAllDefaults() throws Exception {
        Path file = dir.resolve("hotline.yaml");
        write(file, "flow:\n  announcement:\n    enabled: true\n");
        List<Settings> applied = new ArrayList<>();
        try (LogCapture log = new LogCapture(ConfigReloader.class);
             ConfigReloader reloader = new ConfigReloader(file, Map.of(), Duration.ofHours(1), applied::add)) {
            write(file, ""); // a truncating save that stalls: every key would fall back to its default
            assertFalse(settle(reloader));
            write(file, "# flow:\n#   announcement: ...\n");
            assertFalse(settle(reloader));
            assertEquals(List.of(), applied, "the running configuration stays");
            assertTrue(log.any("WARN", "configuration " + file + " (changed on disk) holds no settings (empty, or only comments:"
                    + " a half-written save?), keeping the running one"), log.lines().toString());
            write(file, "flow:\n  announcement:\n    enabled: false\n");
            assertTrue(settle(reloader), "a real edit afterwards is applied");
        }
    }

    @Test
    void reloadNowReadsTheFileAtOnceAndSaysWhyOnceWhenItIsInvalid() throws Exception {
        Path file = dir.resolve("hotline.yaml");
        write(file, "flow:\n  zero-out: true\n");
        List<Settings> applied = new ArrayList<>();
        try (LogCapture log = new LogCapture(ConfigReloader.class);
             ConfigReloader reloader = new ConfigReloader(file, Map.of(), Duration.ofHours(1), applied::add)) {
            write(file, "flow:\n  zero-out: false\n");
            assertTrue(reloader.reloadNow("SIGHUP"), "no wait for the file to settle: the operator says it is complete");
            assertFalse(applied.get(0).flow().zeroOut());
            assertFalse(reloader.poll(), "the poller does not apply the same version again");
            assertFalse(reloader.poll());
            write(file, "flow:\n  zero-out: maybe\n");
            assertFalse(reloader.reloadNow("SIGHUP"));
            for (int i = 0; i < 5; i++) {
                assertFalse(reloader.poll());
            }
            assertEquals(1, applied.size());
            List<String> warnings = log.lines().stream().filter(l -> l.startsWith("WARN")).toList();
            assertEquals(List.of("WARN [-] configuration " + file + " (SIGHUP) is invalid, keeping the running one: "
                    + file + ": flow.zero-out: expected true or false, got 'maybe'"), warnings, "said once, with the reason");
            assertTrue(log.any("INFO", "configuration " + file + " reloaded (SIGHUP)"), log.lines().toString());
        }
    }
}
