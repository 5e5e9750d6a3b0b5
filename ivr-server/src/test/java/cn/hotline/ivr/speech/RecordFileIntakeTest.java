package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.flow.CaptureRequest;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.flow.SpeechIntake;
import cn.hotline.ivr.flow.IntakeResult.Outcome;
import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.testing.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fallback path: RECORD FILE (the double writes a real clip where Asterisk would), then batch recognition. */
class RecordFileIntakeTest {
    @TempDir
    Path dir;
    private DecoderPool pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
    }

    private RecordFileIntake intake(SpeechRecognizer recognizer) throws Exception {
        return intake(recognizer, "rec");
    }

    private RecordFileIntake intake(SpeechRecognizer recognizer, String recordDir) throws Exception {
        return intake(recognizer, recordDir, null);
    }

    private RecordFileIntake intake(SpeechRecognizer recognizer, String recordDir, RecordFileIntake.RemoteKey remoteKey)
            throws Exception {
        Settings all = Settings.read(ConfigFile.fromYaml("t.yaml", """
                speech:
                  capture: record-file
                  record-dir: %s
                """.formatted(recordDir), dir, Map.of()));
        assertEquals(SpeechSettings.CaptureMode.RECORD_FILE, all.speech().capture());
        pool = new DecoderPool(recognizer, recognizer != null, "no recognizer model", 2, 1, new SimpleMeterRegistry());
        return (RecordFileIntake) SpeechIntakes.create(all.speech(), null, pool, new SimpleMeterRegistry(), remoteKey);
    }

    private static CaptureRequest request() {
        return new CaptureRequest("intake-describe", Duration.ofSeconds(4), Duration.ofMillis(800), Duration.ofSeconds(30),
                List.of("是", "不是"), t -> { });
    }

    @Test
    void recordingIsRecognisedInOneBatchAndDeleted() throws Exception {
        FakeRecognizer fake = new FakeRecognizer();
        Pcm clip = AudioSocketIntakeTest.clip("BAC009S0150W0001.wav");
        FakeCallChannel ch = new FakeCallChannel("1795448040.7", new Pcm(16000, clip.resample(16000).samples()));
        IntakeResult r = intake(fake).capture(ch, request());
        assertEquals(Outcome.COMPLETED, r.outcome(), r.toString());
        assertTrue(r.transcript().startsWith("字"), r.transcript());
        assertTrue(r.speech().toMillis() > 800, r.toString());
        assertEquals(List.of(List.of("是", "不是")), fake.phraseLists);
        assertEquals(1, fake.closedStreams.get());
        assertEquals("STREAM FILE intake-describe 0123456789*#", ch.commands.get(0));
        assertTrue(ch.commands.get(1).matches("RECORD FILE .*/rec/intake-1795448040\\.7-[0-9a-f-]+ wav 0123456789\\*# 24000 s=2"),
                ch.commands.get(1));
        try (Stream<Path> left = Files.list(dir.resolve("rec"))) {
            assertEquals(0, left.count(), "recordings are deleted after recognition");
        }
        assertTrue(fake.threads.stream().allMatch(t -> t.startsWith("speech-decoder-")));
    }

    /** Test double for AMI PlayDTMF Receive: remembers the key and queues it on the fake channel, as Asterisk does. */
    private static final class QueuedKeys implements RecordFileIntake.RemoteKey {
        final List<String> pressed = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.BlockingQueue<Character> channel = new java.util.concurrent.LinkedBlockingQueue<>();

        @Override
        public boolean press(String channelName, char digit) {
            pressed.add(channelName + " " + digit);
            channel.add(digit);
            return true;
        }
    }

    @Test
    void aFreeAgentEndsTheRecordingWithARemoteKeyAndWhatWasSaidStillCounts() throws Exception {
        QueuedKeys keys = new QueuedKeys();
        RecordFileIntake intake = intake(new FakeRecognizer(), "rec", keys);
        assertTrue(intake.preemptible());
        FakeCallChannel ch = new FakeCallChannel("1795448040.21", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        ch.channelName = "PJSIP/carrier-trunk-0000002a";
        ch.receivedKeys = keys.channel;
        CaptureRequest longRecording = new CaptureRequest("intake-describe", Duration.ofSeconds(4), Duration.ofMillis(800),
                Duration.ofSeconds(30), List.of(), t -> { });
        long start = System.nanoTime();
        var capture = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return intake.capture(ch, longRecording);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(ch.recording.await(10, java.util.concurrent.TimeUnit.SECONDS), "RECORD FILE started");
        assertTrue(intake.preempt("1795448040.21"));
        IntakeResult r = capture.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0,
                "ended by the key, not after the recording's 34 s");
        assertEquals(Outcome.PREEMPTED, r.outcome(), r.toString());
        assertEquals("an agent is free", r.detail());
        assertTrue(r.transcript().startsWith("字"), "what the caller said before the agent freed up: " + r.transcript());
        assertEquals(List.of("PJSIP/carrier-trunk-0000002a #"), keys.pressed);
        assertEquals("GET VARIABLE CHANNEL", ch.commands.get(0));
        try (Stream<Path> left = Files.list(dir.resolve("rec"))) {
            assertEquals(0, left.count(), "the recording is deleted after recognition");
        }
    }

    @Test
    void aCallerPreemptedBeforeTheirRecordingStartsIsNotRecordedAtAll() throws Exception {
        QueuedKeys keys = new QueuedKeys();
        RecordFileIntake intake = intake(null, "rec", keys);
        assertFalse(intake.preempt("1795448040.22"), "not capturing yet: remembered");
        FakeCallChannel ch = new FakeCallChannel("1795448040.22", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        IntakeResult r = intake.capture(ch, request());
        assertEquals(Outcome.PREEMPTED, r.outcome());
        assertTrue(ch.commands.stream().noneMatch(c -> c.startsWith("RECORD FILE") || c.startsWith("STREAM FILE")),
                ch.commands.toString());
        assertEquals(List.of(), keys.pressed, "nothing to end");
        // Without AMI nothing can end a recording: the flow must not expect it.
        assertFalse(intake(null).preemptible());
    }

    @Test
    void aRecordingEndedOnSilenceIsNotAKeyWhateverItsResultCode() throws Exception {
        // res_agi.c answers a recording ended on silence with "200 result=<ms left of the time limit> (timeout)",
        // which reaches the intake as that number: it once made every caller who paused a DTMF caller, words lost.
        FakeCallChannel ch = new FakeCallChannel("1795448040.23", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        ch.recordKey = (char) 22980;
        IntakeResult r = intake(new FakeRecognizer()).capture(ch, request());
        assertEquals(Outcome.COMPLETED, r.outcome(), r.toString());
        assertTrue(r.transcript().startsWith("字"), r.transcript());
    }

    /** The engine, with something happening the moment recognition starts (the recording is over by then). */
    private static SpeechRecognizer onRecognition(SpeechRecognizer engine, Runnable atStart) {
        return new SpeechRecognizer() {
            @Override
            public Health health() {
                return engine.health();
            }

            @Override
            public Stream open(List<String> phrases) throws RecognizerException {
                atStart.run();
                return engine.open(phrases);
            }

            @Override
            public void close() {
                engine.close();
            }
        };
    }

    @Test
    void anAgentFreeingUpOnceTheRecordingIsOverNeitherSendsAKeyNorRelabelsTheCapture() throws Exception {
        QueuedKeys keys = new QueuedKeys();
        java.util.concurrent.atomic.AtomicReference<RecordFileIntake> intake = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean wasCapturing = new java.util.concurrent.atomic.AtomicBoolean();
        intake.set(intake(onRecognition(new FakeRecognizer(),
                () -> wasCapturing.set(intake.get().preempt("1795448040.24"))), "rec", keys));
        FakeCallChannel ch = new FakeCallChannel("1795448040.24", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        ch.channelName = "PJSIP/carrier-trunk-0000002b";
        ch.recordKey = '#'; // the caller ended the recording themselves
        IntakeResult r = intake.get().capture(ch, request());
        assertTrue(wasCapturing.get(), "the agent freed up while the recording was being recognised");
        assertEquals(Outcome.COMPLETED, r.outcome(), "the caller had finished; IVR_INTAKE says so: " + r);
        assertTrue(r.detail().startsWith("ended with #"), r.detail());
        assertEquals(List.of(), keys.pressed, "no key is sent to a channel whose recording is over: it would land after intake");
    }

    @Test
    void aFreeAgentTooLateForOneCaptureDoesNotEndTheCallsNextCapture() throws Exception {
        QueuedKeys keys = new QueuedKeys();
        RecordFileIntake intake = intake(new FakeRecognizer(), "rec", keys);
        FakeCallChannel first = new FakeCallChannel("1795448040.25", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        assertEquals(Outcome.COMPLETED, intake.capture(first, request()).outcome());
        // The agent frees up while this caller hears the transfer line: their capture is over.
        assertFalse(intake.preempt("1795448040.25"), "nothing to end");
        FakeCallChannel again = new FakeCallChannel("1795448040.25", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        IntakeResult r = intake.capture(again, request());
        assertEquals(Outcome.COMPLETED, r.outcome(), "the next capture of the same call records the caller: " + r);
        assertTrue(again.commands.stream().anyMatch(c -> c.startsWith("RECORD FILE")), again.commands.toString());
        assertEquals(List.of(), keys.pressed);
    }

    @Test
    void aFreeAgentDuringTheStartOrTheInvitationEndsTheCaptureAndTheKeyIsNotTheCallers() throws Exception {
        QueuedKeys keys = new QueuedKeys();
        RecordFileIntake intake = intake(null, "rec", keys);
        // While GET VARIABLE CHANNEL is in flight: the capture is not registered yet, so it is remembered.
        FakeCallChannel starting = new FakeCallChannel("1795448040.26", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        starting.channelName = "PJSIP/carrier-trunk-0000002c";
        starting.duringGetVariable = () -> assertFalse(intake.preempt("1795448040.26"));
        IntakeResult r = intake.capture(starting, request());
        assertEquals(Outcome.PREEMPTED, r.outcome(), r.toString());
        assertEquals(List.of("GET VARIABLE CHANNEL"), starting.commands, "neither invited nor recorded");
        assertEquals(List.of(), keys.pressed, "nothing was running to be ended");
        // During the invitation: the queued # stops STREAM FILE, and it is the agent's, not the caller's key.
        FakeCallChannel invited = new FakeCallChannel("1795448040.27", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        invited.channelName = "PJSIP/carrier-trunk-0000002d";
        invited.receivedKeys = keys.channel;
        invited.duringPlay = () -> assertTrue(intake.preempt("1795448040.27"));
        r = intake.capture(invited, request());
        assertEquals(Outcome.PREEMPTED, r.outcome(), "not DTMF '#': " + r);
        assertEquals(List.of("PJSIP/carrier-trunk-0000002d #"), keys.pressed);
        assertTrue(invited.commands.stream().noneMatch(c -> c.startsWith("RECORD FILE")), invited.commands.toString());
    }

    @Test
    void withoutModelSpeechIsStillMeasured() throws Exception {
        FakeCallChannel ch = new FakeCallChannel("c2", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        IntakeResult r = intake(null).capture(ch, request());
        assertEquals(Outcome.COMPLETED, r.outcome());
        assertEquals("no recognizer model", r.detail());
        assertTrue(r.speech().toMillis() > 800);
    }

    @Test
    void damagedRecordingEndsTheCaptureWithAWarningInsteadOfHanging() throws Exception {
        RecordFileIntake intake = intake(null);
        FakeCallChannel ch = new FakeCallChannel("1796538594.9", new Pcm(8000, new short[0]));
        // A JUNK chunk claiming almost 4 GiB: once looped forever at full CPU.
        ch.recordingBytes = new byte[] {'R', 'I', 'F', 'F', 100, 0, 0, 0, 'W', 'A', 'V', 'E', 'J', 'U', 'N', 'K',
                (byte) 0xF8, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 0, 0, 0, 0};
        try (LogCapture logs = new LogCapture(RecordFileIntake.class)) {
            IntakeResult r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> intake.capture(ch, request()));
            assertEquals(Outcome.FAILED, r.outcome());
            assertTrue(r.detail().contains("recording unreadable") && r.detail().contains("'JUNK' chunk"), r.detail());
            assertTrue(logs.any("WARN [1796538594.9]", "recording unreadable"), logs.lines().toString());
        }
        try (Stream<Path> left = Files.list(dir.resolve("rec"))) {
            assertEquals(0, left.count(), "the damaged recording is deleted too");
        }
    }

    @Test
    void silentRecordingIsNoInputAndAKeyIsDtmf() throws Exception {
        RecordFileIntake intake = intake(null);
        FakeCallChannel silent = new FakeCallChannel("c3", new Pcm(8000, new short[8000 * 4]));
        assertEquals(Outcome.NO_INPUT, intake.capture(silent, request()).outcome());
        FakeCallChannel key = new FakeCallChannel("c4", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        key.recordKey = '0';
        assertEquals(Outcome.DTMF, intake.capture(key, request()).outcome());
        FakeCallChannel hash = new FakeCallChannel("c5", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        hash.recordKey = '#';
        IntakeResult r = intake.capture(hash, request());
        assertEquals(Outcome.COMPLETED, r.outcome());
        assertTrue(r.detail().startsWith("ended with #"), r.detail());
    }

    @Test
    void callerWaitsAboutTwoSecondsAfterSpeakingNotTheNoInputTime() throws Exception {
        // s= used to be max(no-input, trailing-silence): 6 s of silence after every caller's last word.
        assertEquals(Duration.ofSeconds(2), RecordFileIntake.recordSilence(Duration.ofMillis(800)));
        assertEquals(Duration.ofSeconds(2), RecordFileIntake.recordSilence(Duration.ofMillis(1500)));
        assertEquals(Duration.ofSeconds(3), RecordFileIntake.recordSilence(Duration.ofMillis(2100)));
        CaptureRequest sixSeconds = new CaptureRequest("intake-describe", Duration.ofSeconds(6), Duration.ofMillis(800),
                Duration.ofSeconds(30), List.of(), t -> { });
        FakeCallChannel ch = new FakeCallChannel("c6", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        assertEquals(Outcome.COMPLETED, intake(null).capture(ch, sixSeconds).outcome());
        assertTrue(ch.commands.get(1).endsWith(" s=2"), ch.commands.get(1));
    }

    @Test
    void aSlowStarterGetsAnotherSegmentUntilNoInputHasPassed() throws Exception {
        RecordFileIntake intake = intake(null);
        // Asterisk ended the first segment after 2 s of silence (and kept 1 s of it); the caller speaks in the second.
        FakeCallChannel slow = new FakeCallChannel("c7", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        slow.recordings.add(new Pcm(8000, new short[8000]));
        IntakeResult r = intake.capture(slow, request());
        assertEquals(Outcome.COMPLETED, r.outcome(), r.toString());
        assertEquals(3, slow.commands.size(), slow.commands.toString());
        assertTrue(slow.commands.get(2).endsWith(" 22000 s=2"), "the second segment has 2 s of no-input left: " + slow.commands);
        // Nobody speaks: segments until no-input (4 s) has passed, then NO_INPUT; never more than that.
        FakeCallChannel silent = new FakeCallChannel("c8", new Pcm(8000, new short[8000]));
        assertEquals(Outcome.NO_INPUT, intake.capture(silent, request()).outcome());
        assertEquals(3, silent.commands.size(), silent.commands.toString());
        try (Stream<Path> left = Files.list(dir.resolve("rec"))) {
            assertEquals(0, left.count(), "every segment's recording is deleted");
        }
    }

    @Test
    void recordingsAreCappedBySpeechRecordMax() throws Exception {
        Settings all = Settings.read(ConfigFile.fromYaml("t.yaml", """
                speech:
                  capture: record-file
                  record-dir: rec
                  record-max: 12s
                """, dir, Map.of()));
        assertEquals(Duration.ofSeconds(12), all.speech().recordMax());
        assertEquals(Duration.ofSeconds(20), SpeechSettings.defaults().recordMax());
        pool = new DecoderPool(null, false, "no recognizer model", 2, 1, new SimpleMeterRegistry());
        SpeechIntake intake = SpeechIntakes.create(all.speech(), null, pool, new SimpleMeterRegistry());
        assertFalse(intake.preemptible(), "RECORD FILE cannot be ended by a free agent");
        FakeCallChannel ch = new FakeCallChannel("c9", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        intake.capture(ch, request());
        assertTrue(ch.commands.get(1).endsWith(" 16000 s=2"), "12 s of words plus 4 s of no-input: " + ch.commands);
    }

    @Test
    void anUncreatableRecordDirSaysSo() throws Exception {
        Files.writeString(dir.resolve("file"), "x");
        RecordFileIntake intake = intake(null, "file/rec");
        FakeCallChannel ch = new FakeCallChannel("1796538594.10", AudioSocketIntakeTest.clip("BAC009S0150W0001.wav"));
        try (LogCapture logs = new LogCapture(RecordFileIntake.class)) {
            IntakeResult r = intake.capture(ch, request());
            assertEquals(Outcome.FAILED, r.outcome());
            assertTrue(r.detail().startsWith("cannot create speech.record-dir " + dir.resolve("file/rec")), r.detail());
            assertTrue(logs.any("WARN [1796538594.10]", "cannot create speech.record-dir"), logs.lines().toString());
        }
        assertEquals(1, ch.commands.size(), "nothing is recorded: " + ch.commands);
    }

    @Test
    void theRecordingAKilledServerLeftIsRecognisedAtTheNextStartThenDeleted() throws Exception {
        FakeRecognizer fake = new FakeRecognizer();
        RecordFileIntake intake = intake(fake);
        Path rec = dir.resolve("rec");
        Files.createDirectories(rec);
        Pcm clip = AudioSocketIntakeTest.clip("BAC009S0150W0001.wav");
        Path finished = rec.resolve("intake-1795448040.8-" + java.util.UUID.randomUUID() + ".wav");
        clip.writeWav(finished);
        Files.setLastModifiedTime(finished, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(5)));
        java.time.Instant later = java.time.Instant.now().plusSeconds(60);

        assertTrue(intake.recogniseLeftover("1795448040.8", later).orElseThrow().startsWith("字"));
        assertFalse(Files.exists(finished), "a caller's voice is not kept once recognised");
        assertTrue(intake.recogniseLeftover("1795448040.8", later).isEmpty(), "nothing left the second time");

        // Asterisk still writing (it records on after the AGI session is gone): not read, not deleted.
        Path writing = rec.resolve("intake-1795448040.9-" + java.util.UUID.randomUUID() + ".wav");
        clip.writeWav(writing);
        assertTrue(intake.recogniseLeftover("1795448040.9", later).isEmpty());
        assertTrue(Files.exists(writing), "the sweep takes it once it is finished");
        // Past the start-up budget: recovered without words, the recording deleted.
        Files.setLastModifiedTime(writing, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(5)));
        assertTrue(intake.recogniseLeftover("1795448040.9", java.time.Instant.now().minusSeconds(1)).isEmpty());
        assertFalse(Files.exists(writing));
        assertEquals(1, fake.closedStreams.get(), "one recognition, its stream closed");
    }
}
