package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.flow.CallSession;
import cn.hotline.ivr.flow.FlowDecision;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.testing.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server killed with SIGKILL while callers are still describing their problem loses nobody's words. */
class IntakeCrashTest {
    @TempDir
    Path tmp;

    @Test
    void callersStillSpeakingWhenTheServerIsKilledGetTheirDraftsAtTheNextStart() throws Exception {
        Path dir = tmp.resolve("outbox");
        ChildJvm child = ChildJvm.start(KilledDuringIntake.class, tmp.resolve("child.log"), dir.toString());
        Process p = child.process();
        List<String> lines = child.lines();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!lines.contains("speaking") && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(lines.contains("speaking"), "child reached intake: " + lines + ", log in " + tmp);
        Thread.sleep(IntakeCheckpoints.INTERVAL.multipliedBy(2).plusMillis(500).toMillis()); // words checkpointed
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no close()
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        child.reader().join(5000);
        assertEquals(137, p.exitValue(), "killed by SIGKILL");

        try (Outbox outbox = Outbox.open(OutboxSettings.defaults(dir), new SimpleMeterRegistry());
             IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir);
             LogCapture logs = new LogCapture(DraftWriter.class)) {
            assertEquals(2, checkpoints.leftovers().size(), checkpoints.leftovers().toString());
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            assertEquals(2, writer.recoverInterruptedIntakes());

            Draft speaking = outbox.find(KilledDuringIntake.SPEAKING).orElseThrow();
            assertEquals(KilledDuringIntake.WORDS, speaking.intake().transcript(), "the words heard before the kill");
            assertEquals("西湖区", speaking.region().districtName());
            assertEquals("server stopped during intake; recovered at restart", speaking.intake().detail());
            assertEquals("057187654321", speaking.call().callerNumber());
            assertEquals("PJSIP/carrier-trunk", speaking.call().line());
            Draft silent = outbox.find(KilledDuringIntake.SILENT).orElseThrow();
            assertEquals("", silent.intake().transcript(), "nothing understood yet: still a draft with the caller's number");
            assertEquals("杭州市", silent.region().cityName(), "region from the landline's area code");
            assertTrue(outbox.find(KilledDuringIntake.FINISHED).isPresent());
            assertFalse(outbox.find(KilledDuringIntake.FINISHED + "-2").isPresent(), "a finished call is not written twice");
            assertEquals(3, outbox.entries().size());

            assertTrue(logs.any("WARN", "2 callers were describing their problem when the server last stopped: 2 drafts "
                    + "written from their words so far, 0 already in the outbox, 0 kept"), logs.lines().toString());
            assertTrue(logs.any("INFO [" + KilledDuringIntake.SPEAKING + "]", "draft persisted"), logs.lines().toString());
            assertFalse(logs.lines().stream().anyMatch(l -> l.contains("13800138000")), "phone number masked in logs");
        }
        try (IntakeCheckpoints after = IntakeCheckpoints.open(dir)) {
            assertTrue(after.leftovers().isEmpty(), "recovered calls are settled: " + after.leftovers());
        }
    }

    @Test
    void aDraftThatReachedTheOutboxBeforeItsCheckpointEndedIsNotWrittenTwice() throws Exception {
        Path dir = tmp.resolve("outbox2");
        try (Outbox outbox = Outbox.open(OutboxSettings.defaults(dir), new SimpleMeterRegistry());
             IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            // As if killed after the draft's fsync and before the checkpoint's end reached the disk.
            CallSession call = KilledDuringIntake.call("1795448070.1");
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            writer.intakeStarted(call);
            writer.heard(call, "噪音扰民");
            checkpoints.flush();
            KilledDuringIntake.writer(dir, outbox, null).record(call, new FlowDecision("queue", "direct",
                    List.of()), new IntakeResult(IntakeResult.Outcome.COMPLETED,
                    "噪音扰民", 0.8, Duration.ofSeconds(2), ""));
        }
        try (Outbox outbox = Outbox.open(OutboxSettings.defaults(dir), new SimpleMeterRegistry());
             IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            assertEquals(1, checkpoints.leftovers().size(), "closed with the call still open");
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            assertEquals(0, writer.recoverInterruptedIntakes());
            assertEquals(1, outbox.entries().size());
            assertEquals(0, checkpoints.openCount());
        }
    }
}
