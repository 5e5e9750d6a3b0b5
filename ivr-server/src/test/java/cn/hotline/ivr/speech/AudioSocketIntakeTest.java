package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.flow.CallEndedException;
import cn.hotline.ivr.flow.CaptureRequest;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.flow.IntakeResult.Outcome;
import cn.hotline.ivr.media.AudioSocketServer;
import cn.hotline.ivr.media.AudioSocketSettings;
import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.media.SpeechBounds;
import cn.hotline.ivr.sim.AudioSocketCaller;
import cn.hotline.ivr.testing.SharedData;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both sides for real over loopback: the intake and its AudioSocket server, the simulator as Asterisk. */
class AudioSocketIntakeTest {
    private static final String CLIP = "BAC009S0150W0001.wav";

    @TempDir
    Path prompts;
    private AudioSocketServer server;
    private SimpleMeterRegistry registry;
    private DecoderPool pool;

    @BeforeEach
    void start() throws Exception {
        registry = new SimpleMeterRegistry();
        server = new AudioSocketServer(AudioSocketSettings.loopback(), registry).start();
    }

    @AfterEach
    void stop() {
        server.close();
        if (pool != null) {
            pool.close();
        }
    }

    static Pcm clip(String name) throws IOException {
        return Pcm.readWav(SharedData.require("audio/zh").resolve(name)).toTelephony();
    }

    private AudioSocketIntake intake(SpeechRecognizer recognizer, int slots) {
        pool = new DecoderPool(recognizer, recognizer != null, "no recognizer model", slots, 2, registry);
        return new AudioSocketIntake(server, pool, new PromptLibrary(prompts), SpeechSettings.defaults(), registry);
    }

    private static CaptureRequest request(String prompt) {
        return request(prompt, new CopyOnWriteArrayList<>());
    }

    private static CaptureRequest request(String prompt, List<String> partials) {
        return new CaptureRequest(prompt, Duration.ofSeconds(3), Duration.ofMillis(800), Duration.ofSeconds(20),
                List.of(), partials::add);
    }

    @Test
    void withoutAModelTheCallerIsStillHeardToTheEndAndTheAgiSessionContinues() throws Exception {
        Pcm audio = clip(CLIP);
        FakeCallChannel ch = new FakeCallChannel("1795448040.1", audio);
        IntakeResult r = intake(null, 4).capture(ch, request("", new CopyOnWriteArrayList<>()));
        assertEquals(Outcome.COMPLETED, r.outcome(), r.toString());
        assertEquals("", r.transcript());
        assertEquals("no recognizer model", r.detail());
        SpeechBounds truth = SpeechBounds.of(audio);
        assertTrue(r.speech().toMillis() >= 500 && r.speech().toMillis() <= truth.endMillis() - truth.startMillis() + 200,
                r + " vs " + truth);
        // The server ended the stream with 0x00 (EXEC returns 0, the AGI session goes on) after the
        // end of speech plus the trailing silence, long before the caller would hang up.
        assertEquals(AudioSocketCaller.Ending.SERVER_HANGUP, ch.callerResult.ending());
        assertTrue(ch.callerResult.endedMs() >= truth.endMillis(), ch.callerResult.toString());
        assertTrue(ch.callerResult.endedMs() < truth.endMillis() + 1500, ch.callerResult.toString());
        assertTrue(ch.commands.get(0).startsWith("EXEC AudioSocket "), ch.commands.toString());
        assertEquals(0, awaitNoSessions(), "the connection is closed after 0x00");
    }

    private int awaitNoSessions() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (server.activeSessions() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return server.activeSessions();
    }

    @Test
    void recognizerRunsOffTheNetworkThreadsAndPartialsArriveWhileSpeaking() throws Exception {
        FakeRecognizer fake = new FakeRecognizer();
        List<String> partials = new CopyOnWriteArrayList<>();
        FakeCallChannel ch = new FakeCallChannel("call-partials", clip(CLIP));
        IntakeResult r = intake(fake, 4).capture(ch, request("", partials));
        assertEquals(Outcome.COMPLETED, r.outcome(), r.toString());
        assertFalse(r.transcript().isEmpty());
        assertEquals(0.9, r.confidence());
        assertTrue(partials.size() >= 3, partials.toString());
        assertTrue(partials.get(0).length() < r.transcript().length(), partials + " vs " + r.transcript());
        assertTrue(fake.threads.stream().allMatch(t -> t.startsWith("speech-decoder-")), fake.threads.toString());
        assertEquals(1, fake.opened.get());
        assertEquals(1, fake.closedStreams.get());
        assertEquals(0, pool.inUse());
    }

    @Test
    void modelTranscribesAStreamedCallAndSendsPartials() throws Exception {
        Path model = VoskRecognizerTest.model();
        try (VoskRecognizer vosk = VoskRecognizer.load(model)) {
            List<String> partials = new CopyOnWriteArrayList<>();
            FakeCallChannel ch = new FakeCallChannel("call-vosk", clip("BAC009S0150W0016.wav"));
            IntakeResult r = intake(vosk, 2).capture(ch, request("", partials));
            assertEquals(Outcome.COMPLETED, r.outcome(), r.toString());
            assertTrue(Transcriber.cer("盛源生活广场", r.transcript()) <= 0.5, r.transcript());
            assertFalse(partials.isEmpty());
            assertEquals(0, pool.inUse());
        }
    }

    @Test
    void silenceIsNoInput() throws Exception {
        FakeCallChannel ch = new FakeCallChannel("call-silent", new Pcm(8000, new short[0]));
        CaptureRequest req = new CaptureRequest("", Duration.ofMillis(1000), Duration.ofMillis(800),
                Duration.ofSeconds(20), List.of(), t -> { });
        IntakeResult r = intake(null, 4).capture(ch, req);
        assertEquals(Outcome.NO_INPUT, r.outcome());
        assertEquals(AudioSocketCaller.Ending.SERVER_HANGUP, ch.callerResult.ending());
        assertTrue(ch.callerResult.endedMs() < 1600, ch.callerResult.toString());
    }

    @Test
    void aKeyPutsTheCallerThroughAndHashEndsSpeechEarly() throws Exception {
        AudioSocketIntake intake = intake(null, 4);
        FakeCallChannel key = new FakeCallChannel("call-key", clip(CLIP));
        key.options = AudioSocketCaller.Options.defaults().withDtmf('5', Duration.ofMillis(200));
        assertEquals(Outcome.DTMF, intake.capture(key, request("")).outcome());

        FakeCallChannel hash = new FakeCallChannel("call-hash", clip(CLIP));
        hash.options = AudioSocketCaller.Options.defaults().withDtmf('#', Duration.ofMillis(1200));
        IntakeResult r = intake.capture(hash, request(""));
        assertEquals(Outcome.COMPLETED, r.outcome());
        assertTrue(r.detail().startsWith("ended with #"), r.detail());
        assertTrue(hash.callerResult.endedMs() < 1500, hash.callerResult.toString());
    }

    @Test
    void aPreemptionThatArrivesBeforeTheCaptureStartsIsNotLost() throws Exception {
        AudioSocketIntake intake = intake(new FakeRecognizer(), 4);
        // The agent frees up while Asterisk is still playing the invitation, before the capture registers.
        assertFalse(intake.preempt("call-early"));
        FakeCallChannel ch = new FakeCallChannel("call-early", clip(CLIP));
        IntakeResult result = intake.capture(ch, request(""));
        assertEquals(Outcome.PREEMPTED, result.outcome());
        FakeCallChannel next = new FakeCallChannel("call-early", clip(CLIP));
        assertEquals(Outcome.COMPLETED, intake.capture(next, request("")).outcome(), "an early preemption counts once");
    }

    @Test
    void preemptionEndsTheCaptureWithWhatWasHeardSoFar() throws Exception {
        FakeRecognizer fake = new FakeRecognizer();
        AudioSocketIntake intake = intake(fake, 4);
        Pcm longSpeech = clip("BAC009S0150W0154.wav");
        FakeCallChannel ch = new FakeCallChannel("call-preempt", longSpeech);
        CompletableFuture<IntakeResult> r = CompletableFuture.supplyAsync(() -> {
            try {
                return intake.capture(ch, request(""));
            } catch (CallEndedException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fake.threads.size() < 30 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(intake.preempt("call-preempt"));
        IntakeResult result = r.get(5, TimeUnit.SECONDS);
        assertEquals(Outcome.PREEMPTED, result.outcome());
        assertFalse(result.transcript().isEmpty(), "what was heard so far is kept");
        assertEquals(AudioSocketCaller.Ending.SERVER_HANGUP, ch.callerResult.ending());
        assertTrue(ch.callerResult.endedMs() < longSpeech.seconds() * 1000, ch.callerResult.toString());
        assertFalse(intake.preempt("call-preempt"), "nothing left to preempt");
    }

    @Test
    void promptStopsWhenTheCallerStartsSpeaking() throws Exception {
        // A 4 s prompt; the caller starts talking about half a second in.
        short[] tone = new short[8000 * 4];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 8000.0));
        }
        new Pcm(8000, tone).writeWav(prompts.resolve("describe.wav"));
        Pcm audio = clip(CLIP);
        FakeCallChannel ch = new FakeCallChannel("call-barge", audio);
        IntakeResult r = intake(null, 4).capture(ch, request("describe"));
        assertEquals(Outcome.COMPLETED, r.outcome());
        SpeechBounds truth = SpeechBounds.of(audio);
        AudioSocketCaller.Result c = ch.callerResult;
        assertTrue(c.promptFrames() > 5, c.toString());
        // Stopped about speech-start (60 ms of voice) after the caller began, far before the prompt's 4 s.
        assertTrue(c.lastPromptMs() < truth.startMillis() + 700, "prompt still playing at " + c.lastPromptMs()
                + " ms, speech began at " + truth.startMillis() + " ms");
        assertFalse(ch.commands.stream().anyMatch(x -> x.startsWith("STREAM FILE")), "played over the socket, not by Asterisk");
    }

    @Test
    void promptWithoutAudioFileIsPlayedByAsteriskAndAKeyThereSkipsCapture() throws Exception {
        FakeCallChannel ch = new FakeCallChannel("call-nofile", clip(CLIP));
        ch.playKey = '0';
        IntakeResult r = intake(null, 4).capture(ch, request("intake-describe"));
        assertEquals(Outcome.DTMF, r.outcome());
        assertEquals(List.of("STREAM FILE intake-describe 0123456789*#"), ch.commands);
    }

    @Test
    void callerHangingUpEndsTheCallAndFreesTheDecoder() throws Exception {
        FakeRecognizer fake = new FakeRecognizer();
        AudioSocketIntake intake = intake(fake, 1);
        FakeCallChannel ch = new FakeCallChannel("call-hangup", clip(CLIP));
        ch.options = AudioSocketCaller.Options.defaults().withHangUpAfter(Duration.ofMillis(900));
        assertThrows(CallEndedException.class, () -> intake.capture(ch, request("")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (pool.inUse() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, pool.inUse());
        assertEquals(fake.opened.get(), fake.closedStreams.get());
    }

    /**
     * app_audiosocket closes its socket on every exit, its own 2 s timeout and failed writes too, and
     * then the AGI session goes on: the capture must not tell the flow the caller hung up.
     */
    @Test
    void asteriskClosingTheSocketIsNotReportedAsACallerHangup() throws Exception {
        AudioSocketIntake intake = intake(null, 1);
        AudioSocketIntake.Started started = intake.start("call-closed", request(""), pool.admit().slot(), null);
        try (java.net.Socket s = new java.net.Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            s.getOutputStream().write(cn.hotline.ivr.media.AudioSocketFrame.uuid(started.uuid()).kind());
            byte[] id = new byte[18];
            id[1] = 16;
            System.arraycopy(cn.hotline.ivr.media.AudioSocketFrame.uuid(started.uuid()).payload(), 0, id, 2, 16);
            s.getOutputStream().write(id);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!started.session().connected() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        IntakeResult r = started.capture().result().get(3, TimeUnit.SECONDS);
        assertEquals(Outcome.FAILED, r.outcome());
        assertFalse(r.detail().contains("hung up"), r.detail());
        assertTrue(r.detail().contains("Asterisk closed the AudioSocket connection"), r.detail());
    }

    @Test
    void fullPoolOrSickEngineSkipsIntakeAndCountsIt() throws Exception {
        FakeRecognizer fake = new FakeRecognizer();
        AudioSocketIntake intake = intake(fake, 1);
        DecoderPool.Admission held = pool.admit();
        assertTrue(held.admitted());
        FakeCallChannel ch = new FakeCallChannel("call-full", clip(CLIP));
        IntakeResult r = intake.capture(ch, request(""));
        assertEquals(Outcome.OVERLOADED, r.outcome());
        assertTrue(ch.commands.isEmpty(), "no EXEC when refused: " + ch.commands);
        held.slot().close();
        held.slot().close(); // idempotent: the permit is not released twice
        fake.healthy = false;
        assertEquals(Outcome.ENGINE_UNAVAILABLE, intake.capture(ch, request("")).outcome());
        assertEquals(1.0, registry.counter("ivr.speech.admission.rejected", "reason", "pool-full").count());
        assertEquals(1.0, registry.counter("ivr.speech.admission.rejected", "reason", "engine-unhealthy").count());
        fake.healthy = true;
        assertTrue(pool.admit().admitted());
        assertFalse(pool.admit().admitted(), "exactly one permit after the double close");
    }

    @Test
    void configuredVoskWithoutModelIsEngineUnavailable() throws Exception {
        Path missing = Files.createTempDirectory("no-model").resolve("vosk-model-small-cn-0.22");
        SpeechSettings d = SpeechSettings.defaults();
        SpeechSettings s = new SpeechSettings(SpeechSettings.Engine.VOSK, missing, 2, 1, d.capture(), d.promptsDir(),
                d.recordDir(), d.recordMax(), d.resultTimeout(), d.vad());
        pool = DecoderPool.start(s, registry);
        assertFalse(pool.health().ok());
        assertTrue(pool.health().detail().contains("scripts/fetch-model"), pool.health().detail());
        AudioSocketIntake intake = new AudioSocketIntake(server, pool, new PromptLibrary(prompts), s, registry);
        IntakeResult r = intake.capture(new FakeCallChannel("call-novosk", clip(CLIP)), request(""));
        assertEquals(Outcome.ENGINE_UNAVAILABLE, r.outcome());
        assertEquals(1.0, registry.counter("ivr.speech.admission.rejected", "reason", "engine-unavailable").count());
    }
}
