package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.testing.LogCapture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint file on a disk that fills up: a child JVM whose files may not grow past 16 KB
 * ({@code ulimit -f}, so writes fail with a cut line like on a full disk) while twelve callers speak.
 */
class IntakeDiskFullTest {
    @TempDir
    Path dir;

    /** The child's output lines, its log (standard error, a pipe: the size limit does not apply) among them. */
    private record Child(Process process, List<String> lines) {
        void await(String line) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!lines.contains(line) && process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(lines.contains(line), "child printed " + line + ": " + lines);
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        }

        List<String> log(String level) {
            return lines.stream().filter(l -> l.contains(" " + level + " ") && l.contains("IntakeCheckpoints")).toList();
        }
    }

    private Child start(String mode) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash for ulimit");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of("/bin/bash", "-c", "ulimit -f 16 && exec \"$@\"", "bash", java,
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), DiskFullDuringIntake.class.getName(),
                dir.toString(), mode));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("IVR_TEST_LOG_LEVEL", "INFO");
        Process p = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the process died
            }
        });
        return new Child(p, lines);
    }

    @Test
    void aFullDiskIsLoggedOnceAndOnceThereIsRoomEveryOpenCallsLatestWordsAreOnDisk() throws Exception {
        Child child = start("room");
        child.await("done");
        child.kill();
        List<String> errors = child.log("ERROR");
        assertEquals(1, errors.size(), "one line for the problem, not one a second: " + child.lines());
        assertTrue(errors.get(0).contains("cannot write (File too large)"), errors.toString());
        assertEquals(0, child.log("WARN").size(), child.lines().toString());
        assertEquals(1, child.log("INFO").stream().filter(l -> l.contains("written again")).count(), child.lines().toString());

        List<IntakeCheckpoints.Checkpoint> open = IntakeCheckpoints.read(dir.resolve(IntakeCheckpoints.FILE));
        assertEquals(IntStream.rangeClosed(7, 12).mapToObj(DiskFullDuringIntake::id).toList(),
                open.stream().map(IntakeCheckpoints.Checkpoint::id).toList(), "the settled calls do not come back");
        for (IntakeCheckpoints.Checkpoint c : open) {
            int caller = Integer.parseInt(c.id().substring(c.id().indexOf('.') + 1));
            assertEquals(DiskFullDuringIntake.words(caller, 1), c.heard(), "latest words of " + c.id());
        }
    }

    @Test
    void aServerKilledWhileTheDiskIsFullStartsAgainWithTheLinesThatWereWritten() throws Exception {
        Child child = start("full");
        child.await("full");
        child.kill();
        try (LogCapture logs = new LogCapture(IntakeCheckpoints.class);
             IntakeCheckpoints again = IntakeCheckpoints.open(dir)) {
            List<IntakeCheckpoints.Checkpoint> left = again.leftovers();
            assertTrue(left.size() >= 8, "the callers whose lines fit: " + left);
            for (IntakeCheckpoints.Checkpoint c : left) {
                int caller = Integer.parseInt(c.id().substring(c.id().indexOf('.') + 1));
                assertEquals(DiskFullDuringIntake.words(caller, 0), c.heard());
            }
            assertTrue(logs.any("WARN", "not a checkpoint"), "the line cut short: " + logs.lines());
        }
    }
}
