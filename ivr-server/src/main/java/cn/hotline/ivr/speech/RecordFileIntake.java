package cn.hotline.ivr.speech;

import cn.hotline.ivr.flow.CallChannel;
import cn.hotline.ivr.flow.CallEndedException;
import cn.hotline.ivr.flow.CaptureRequest;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.flow.IntakeResult.Outcome;
import cn.hotline.ivr.flow.SpeechIntake;
import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.ops.CallLog;
import cn.hotline.ivr.understanding.PersonalData;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback without AudioSocket: Asterisk records the caller with {@code RECORD FILE} (ending on
 * silence, a key, or the maximum length), then the recording is run through the same detector and
 * recognizer in one batch. No barge-in and no partial results; the recording is deleted afterwards.
 */
public final class RecordFileIntake implements SpeechIntake {
    private static final Logger log = LoggerFactory.getLogger(RecordFileIntake.class);
    private static final String ANY_KEY = "0123456789*#";
    private static final int FRAME = 320;

    private final DecoderPool pool;
    private final SpeechSettings settings;
    private final MeterRegistry registry;

    public RecordFileIntake(DecoderPool pool, SpeechSettings settings, MeterRegistry registry) {
        this.pool = pool;
        this.settings = settings;
        this.registry = registry;
    }

    @Override
    public IntakeResult capture(CallChannel channel, CaptureRequest request) throws CallEndedException {
        try (var c = CallLog.callId(channel.callId())) {
            DecoderPool.Admission admission = pool.admit();
            if (!admission.admitted()) {
                return counted(IntakeResult.skipped(admission.refusal(), admission.detail()));
            }
            try (DecoderPool.Slot slot = admission.slot()) {
                return counted(record(channel, request, slot));
            }
        }
    }

    private IntakeResult record(CallChannel channel, CaptureRequest request, DecoderPool.Slot slot)
            throws CallEndedException {
        VadSettings vad = settings.vad().with(request.noInput(), request.trailingSilence(), request.maxUtterance());
        if (!request.prompt().isEmpty()) {
            char key = channel.play(request.prompt(), ANY_KEY);
            if (key != 0) {
                return IntakeResult.skipped(Outcome.DTMF, "key " + key);
            }
        }
        Path base = settings.recordDir().resolve("intake-" + safe(channel.callId()) + "-" + UUID.randomUUID());
        Path wav = Path.of(base + ".wav");
        try {
            Files.createDirectories(settings.recordDir());
            // RECORD FILE has one silence timer for both "never spoke" and "stopped speaking": use the
            // longer so a slow starter is not cut off; the detector below tells the two apart.
            Duration silence = vad.noInput().compareTo(vad.trailingSilence()) > 0 ? vad.noInput() : vad.trailingSilence();
            char key = channel.record(base.toString(), "wav", ANY_KEY, vad.maxUtterance().plus(vad.noInput()), silence);
            if (key != 0 && key != '#') {
                return IntakeResult.skipped(Outcome.DTMF, "key " + key);
            }
            if (!Files.isRegularFile(wav)) {
                return IntakeResult.skipped(Outcome.FAILED, "recording not found at " + wav
                        + " (speech.record-dir must be the directory Asterisk writes to)");
            }
            Pcm audio = Pcm.readWav(wav).toTelephony();
            return recognise(audio, request, vad, slot, key == '#');
        } catch (IOException | RuntimeException e) {
            // A damaged recording ends this capture only: FAILED sends the flow to its keypad fallback.
            log.warn("recording unreadable, capture ends without speech: {}", e.getMessage());
            return IntakeResult.skipped(Outcome.FAILED, "recording unreadable: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(wav);
            } catch (IOException e) {
                log.warn("could not delete recording {}: {}", wav, e.getMessage());
            }
        }
    }

    /** Batch recognition of a whole recording, on the decoder pool's threads. */
    IntakeResult recognise(Pcm audio, CaptureRequest request, VadSettings vadSettings, DecoderPool.Slot slot, boolean endedWithHash) {
        VoiceActivityDetector vad = new VoiceActivityDetector(vadSettings);
        byte[] pcm = audio.toBytes();
        boolean maxReached = false;
        for (int off = 0; off + FRAME <= pcm.length && !vad.done(); off += FRAME) {
            VoiceActivityDetector.Event e = vad.accept(java.util.Arrays.copyOfRange(pcm, off, off + FRAME));
            maxReached |= e == VoiceActivityDetector.Event.MAX_UTTERANCE;
        }
        Duration speech = Duration.ofMillis(vad.speechMillis());
        if (vad.speechStartMillis() < 0) {
            return IntakeResult.skipped(Outcome.NO_INPUT, "no speech in the recording");
        }
        String detail = endedWithHash ? "ended with #" : maxReached ? "maximum utterance length reached" : "";
        SpeechRecognizer recognizer = slot.recognizer();
        if (recognizer == null) {
            return new IntakeResult(Outcome.COMPLETED, "", 0, speech, join(detail, slot.noEngineDetail()));
        }
        CompletableFuture<IntakeResult> done = new CompletableFuture<>();
        String finalDetail = detail;
        slot.execute(() -> done.complete(decode(recognizer, audio, request, speech, finalDetail)));
        try {
            return done.get(Math.max(settings.resultTimeout().toMillis(), (long) (audio.seconds() * 2000)), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return new IntakeResult(Outcome.FAILED, "", 0, speech, "batch recognition did not finish: " + e);
        }
    }

    private static IntakeResult decode(SpeechRecognizer recognizer, Pcm audio, CaptureRequest request, Duration speech, String detail) {
        try {
            SpeechRecognizer.Transcript t = Transcriber.transcribe(recognizer, audio, request.phrases());
            log.info("recording recognised: speech {} ms, transcript '{}'", speech.toMillis(), PersonalData.mask(t.text()));
            return new IntakeResult(Outcome.COMPLETED, t.text(), t.confidence(), speech, detail);
        } catch (RecognizerException | RuntimeException e) {
            return new IntakeResult(Outcome.FAILED, "", 0, speech, "recognizer: " + e.getMessage());
        }
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
    }

    private static String safe(String callId) {
        return callId.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private IntakeResult counted(IntakeResult r) {
        registry.counter("ivr.speech.captures", "outcome", r.outcome().name().toLowerCase(), "mode", "record-file").increment();
        return r;
    }
}
