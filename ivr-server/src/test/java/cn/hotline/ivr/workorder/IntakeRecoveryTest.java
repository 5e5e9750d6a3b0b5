package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.flow.CallSession;
import cn.hotline.ivr.flow.FlowDecision;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.testing.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drafts a restarted server writes for callers who were still speaking: the hard cases. */
class IntakeRecoveryTest {
    private static final String ID = "1795448090.1";
    private static final Instant T0 = Instant.parse("2026-12-06T01:00:00Z");

    @TempDir
    Path dir;

    private static CallSession call(String id, String caller, String channel, Instant started) {
        return new CallSession(id, caller, "12345", channel, "zh", "hotline-12345", "12345", "hotline", List.of(),
                InetAddress.getLoopbackAddress(), started);
    }

    private static IntakeResult completed(String words) {
        return new IntakeResult(IntakeResult.Outcome.COMPLETED, words, 0.8, Duration.ofSeconds(4), "");
    }

    private static final FlowDecision QUEUE = new FlowDecision("queue", "direct", List.of());

    private Outbox outbox() throws Exception {
        return Outbox.open(OutboxSettings.defaults(dir), new SimpleMeterRegistry());
    }

    @Test
    void twoCallsWithTheSameIdInIntakeAtOnceKeepTheirOwnWords() throws Exception {
        // Two Asterisk servers without a systemname handed out the same uniqueid in the same second.
        CallSession first = call(ID, "057187654321", "PJSIP/carrier-a-00000001", T0);
        CallSession second = call(ID, "13800138000", "PJSIP/carrier-b-00000001", T0.plusMillis(300));
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            writer.intakeStarted(first);
            writer.intakeStarted(second);
            writer.heard(first, "小区门口的垃圾");
            writer.heard(second, "西湖区文三路的路灯坏了");
            writer.heard(first, "小区门口的垃圾好几天没人收");
            writer.record(first, QUEUE, completed("小区门口的垃圾好几天没人收了"));
            checkpoints.flush();
            assertTrue(outbox.find(ID).isPresent());
        } // the server stops while the second caller still speaks (close keeps open calls, like a kill)
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            assertEquals(1, checkpoints.leftovers().size(), checkpoints.leftovers().toString());
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            assertEquals(1, writer.recoverInterruptedIntakes());
            Draft recovered = outbox.find(ID + "-2").orElseThrow();
            assertEquals("西湖区文三路的路灯坏了", recovered.intake().transcript(), "the second caller's own words");
            assertEquals("13800138000", recovered.call().callerNumber());
            assertEquals("小区门口的垃圾好几天没人收了", outbox.find(ID).orElseThrow().intake().transcript());
        }
    }

    @Test
    void anotherCallsDraftUnderTheSameIdDoesNotHideACallerWhoWasStillSpeaking() throws Exception {
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            // Yesterday's call on the other Asterisk had this uniqueid; its draft is still kept locally.
            writer.record(call(ID, "057187654321", "PJSIP/carrier-a-00000001", T0.minus(Duration.ofDays(1))), QUEUE,
                    completed("小区门口的垃圾好几天没人收了"));
            writer.intakeStarted(call(ID, "13800138000", "PJSIP/carrier-b-00000001", T0));
            writer.heard(call(ID, "13800138000", "PJSIP/carrier-b-00000001", T0), "西湖区文三路的路灯坏了");
            checkpoints.flush();
        }
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir);
             LogCapture logs = new LogCapture(DraftWriter.class)) {
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            assertEquals(1, writer.recoverInterruptedIntakes(), logs.lines().toString());
            assertEquals("西湖区文三路的路灯坏了", outbox.find(ID + "-2").orElseThrow().intake().transcript());
        }
    }

    @Test
    void aDraftWrittenJustBeforeTheKillIsFoundUnderItsSuffixedIdToo() throws Exception {
        CallSession first = call(ID, "057187654321", "PJSIP/carrier-a-00000001", T0);
        CallSession second = call(ID, "13800138000", "PJSIP/carrier-b-00000001", Instant.now()); // full clock precision
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            writer.intakeStarted(first);
            writer.intakeStarted(second);
            writer.heard(second, "西湖区文三路的路灯坏了");
            checkpoints.flush();
            // Both drafts reach the outbox through a writer whose checkpoint ends never reach the disk.
            DraftWriter noCheckpoints = KilledDuringIntake.writer(dir, outbox, null);
            noCheckpoints.record(first, QUEUE, completed("小区门口的垃圾好几天没人收了"));
            noCheckpoints.record(second, QUEUE, completed("西湖区文三路的路灯坏了一个星期了"));
        }
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir);
             LogCapture logs = new LogCapture(DraftWriter.class)) {
            assertEquals(2, checkpoints.leftovers().size());
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            assertEquals(0, writer.recoverInterruptedIntakes());
            assertEquals(2, outbox.entries().size(), "no draft written twice: " + outbox.entries());
            assertEquals(0, checkpoints.openCount());
            assertTrue(logs.any("WARN", "2 already in the outbox"), logs.lines().toString());
        }
    }

    @Test
    void aCheckpointTheWriterCannotTurnIntoADraftDoesNotStopTheOthersNorTheStart() throws Exception {
        try (IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            // A damaged line whose arrival no draft can carry (past the year 999999999).
            checkpoints.started("1795448090.2", "13800138000", "12345", "PJSIP/t-00000002", "zh", Instant.MAX);
            checkpoints.heard("1795448090.2", "楼上漏水");
            checkpoints.started("1795448090.3", "057187654321", "12345", "PJSIP/t-00000003", "zh", T0);
            checkpoints.heard("1795448090.3", "西湖区文三路的路灯坏了");
        }
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir);
             LogCapture logs = new LogCapture(DraftWriter.class)) {
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            assertEquals(1, writer.recoverInterruptedIntakes());
            assertTrue(outbox.find("1795448090.3").isPresent());
            assertTrue(logs.any("ERROR [1795448090.2]", "kept for the next start"), logs.lines().toString());
            assertTrue(checkpoints.isOpen("1795448090.2"), "kept: a later release may write it");
            assertFalse(logs.lines().stream().anyMatch(l -> l.contains("13800138000")), logs.lines().toString());
        }
    }

    @Test
    void aFullOutboxKeepsEveryCheckpointForTheNextStartWithOneErrorLine() throws Exception {
        try (IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            for (int i = 1; i <= 5; i++) {
                checkpoints.started("1795448091." + i, "057187654321", "12345", "PJSIP/t-0000000" + i, "zh", T0.plusSeconds(i));
                checkpoints.heard("1795448091." + i, "第" + i + "位来电人反映路灯坏了");
            }
        }
        OutboxSettings tiny = new OutboxSettings(dir, 1_200, 0.5, 600, Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofSeconds(1), Duration.ofSeconds(10), 1);
        try (Outbox outbox = Outbox.open(tiny, new SimpleMeterRegistry());
             IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir);
             LogCapture logs = new LogCapture(DraftWriter.class)) {
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            assertEquals(0, writer.recoverInterruptedIntakes(), "start-up goes on");
            List<String> errors = logs.lines().stream().filter(l -> l.startsWith("ERROR")).toList();
            assertEquals(1, errors.size(), logs.lines().toString());
            assertTrue(errors.get(0).contains("5 ") && errors.get(0).contains("kept for the next start"), errors.toString());
            assertEquals(5, checkpoints.openCount());
        }
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            assertEquals(5, checkpoints.leftovers().size(), "every caller kept");
            assertEquals(5, KilledDuringIntake.writer(dir, outbox, checkpoints).recoverInterruptedIntakes());
            assertEquals("第3位来电人反映路灯坏了", outbox.find("1795448091.3").orElseThrow().intake().transcript());
        }
    }

    @Test
    void aCallerWithoutCheckpointedWordsGetsTheWordsOfTheRecordingLeftBehind() throws Exception {
        CallSession recording = call(ID, "13800138000", "PJSIP/carrier-a-00000001", T0);
        CallSession other = call("1795448062.9", "057187654321", "PJSIP/carrier-a-00000002", T0);
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            writer.intakeStarted(recording);   // record-file mode: no partial words ever reach a checkpoint
            writer.intakeStarted(other);
            writer.heard(other, "西湖区文三路的路灯坏了");
            checkpoints.flush();
        }
        try (Outbox outbox = outbox(); IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir)) {
            DraftWriter writer = KilledDuringIntake.writer(dir, outbox, checkpoints);
            List<String> asked = new ArrayList<>();
            assertEquals(2, writer.recoverInterruptedIntakes(callId -> {
                asked.add(callId);
                return Optional.of("小区门口的垃圾好几天没人收了");
            }));
            assertEquals(List.of(ID), asked, "only the caller without checkpointed words is looked up");
            Draft recovered = outbox.find(ID).orElseThrow();
            assertEquals("小区门口的垃圾好几天没人收了", recovered.intake().transcript());
            assertTrue(recovered.intake().detail().contains("from the recording left behind"), recovered.intake().detail());
            assertEquals("西湖区文三路的路灯坏了", outbox.find("1795448062.9").orElseThrow().intake().transcript());
        }
    }
}
