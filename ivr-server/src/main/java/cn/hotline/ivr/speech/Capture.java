package cn.hotline.ivr.speech;

import cn.hotline.ivr.flow.CaptureRequest;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.flow.IntakeResult.Outcome;
import cn.hotline.ivr.media.MediaListener;
import cn.hotline.ivr.media.MediaSession;
import cn.hotline.ivr.ops.CallLog;
import cn.hotline.ivr.understanding.PersonalData;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One utterance being captured over AudioSocket. Caller audio arrives on the network thread, where
 * the voice-activity detector decides start (barge-in: the prompt stops) and end (the server sends
 * {@code 0x00}); the audio from just before speech started is handed in order to a decoder thread
 * for recognition, whose partial results go to the flow while the caller is still speaking.
 */
public final class Capture implements MediaListener {
    private static final Logger log = LoggerFactory.getLogger(Capture.class);
    /** Audio kept from before speech was declared, so the recognizer hears the first syllable. */
    private static final int PRE_ROLL_FRAMES = 15;

    private final String callId;
    private final CaptureRequest request;
    private final VoiceActivityDetector vad;
    private final DecoderPool.Slot slot;
    private final byte[] prompt;
    private final CompletableFuture<IntakeResult> result = new CompletableFuture<>();
    private final ArrayDeque<byte[]> preRoll = new ArrayDeque<>();
    private final Consumer<IntakeResult> onDone;

    // Network-thread state.
    private volatile MediaSession session;
    private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long speechStartNanos;
    private volatile long endNanos;

    // Decoder-thread state.
    private SpeechRecognizer.Stream stream;
    private String streamError;
    private String lastText = "";

    Capture(String callId, CaptureRequest request, VadSettings vad, DecoderPool.Slot slot, byte[] prompt,
            Consumer<IntakeResult> onDone) {
        this.callId = callId;
        this.request = request;
        this.vad = new VoiceActivityDetector(vad.with(request.noInput(), request.trailingSilence(), request.maxUtterance()));
        this.slot = slot;
        this.prompt = prompt;
        this.onDone = onDone;
        if (slot.recognizer() != null) {
            slot.execute(this::openStream);
        }
    }

    public CompletableFuture<IntakeResult> result() {
        return result;
    }

    public String callId() {
        return callId;
    }

    /** {@link System#nanoTime()} when the detector declared end of speech (0 if it has not). */
    public long endNanos() {
        return endNanos;
    }

    public long speechStartNanos() {
        return speechStartNanos;
    }

    /** Ends the capture from another thread (an agent is free): the server sends 0x00. */
    public void preempt(String why) {
        MediaSession s = session;
        if (s != null) {
            s.execute(() -> finish(Outcome.PREEMPTED, why));
        } else {
            finish(Outcome.PREEMPTED, why);
        }
    }

    void attach(MediaSession s) {
        this.session = s;
    }

    /** Ends a capture whose AGI command came back on its own (Asterisk timed out, or the EXEC failed). */
    void abandon(String why) {
        finish(Outcome.FAILED, why);
    }

    @Override
    public void connected(MediaSession s) {
        this.session = s;
        if (prompt != null && !ended.get()) {
            s.play(prompt);
        }
    }

    @Override
    public void audio(MediaSession s, byte[] pcm) {
        if (ended.get()) {
            return;
        }
        boolean promptPlaying = s.playing();
        VoiceActivityDetector.Event e = vad.accept(pcm, !promptPlaying);
        switch (e) {
            case NONE -> {
                if (vad.speaking()) {
                    decode(pcm);
                } else {
                    preRoll.addLast(pcm);
                    if (preRoll.size() > PRE_ROLL_FRAMES) {
                        preRoll.removeFirst();
                    }
                }
            }
            case SPEECH_START -> {
                speechStartNanos = System.nanoTime();
                if (promptPlaying) {
                    s.stopPlayback();
                }
                preRoll.addLast(pcm);
                for (byte[] f : preRoll) {
                    decode(f);
                }
                preRoll.clear();
            }
            case END_OF_SPEECH -> finish(Outcome.COMPLETED, "");
            case MAX_UTTERANCE -> finish(Outcome.COMPLETED, "maximum utterance length reached");
            case NO_INPUT -> finish(Outcome.NO_INPUT, "no speech within " + vad.frames() * 20 / 1000 + " s");
        }
    }

    @Override
    public void dtmf(MediaSession s, char digit) {
        if (ended.get()) {
            return;
        }
        if (digit == '#' && vad.speaking()) {
            finish(Outcome.COMPLETED, "ended with #");
        } else {
            finish(Outcome.DTMF, "key " + digit);
        }
    }

    @Override
    public void closed(MediaSession s, CloseReason reason) {
        switch (reason) {
            case SERVER_ENDED -> { }
            case NEVER_CONNECTED -> finish(Outcome.FAILED, "Asterisk did not connect to AudioSocket");
            // app_audiosocket closes the socket whenever it returns: the caller hung up (the AGI session
            // then reports HANGUP and the flow ends the call), or it gave up on its own (its 2 s
            // no-activity timeout, a failed write) and the call goes on. Only the AGI side can tell.
            case PEER_CLOSED -> finish(Outcome.FAILED, "Asterisk closed the AudioSocket connection");
            case PEER_HANGUP -> finish(Outcome.FAILED, "AudioSocket peer sent hangup (0x00)");
            default -> finish(Outcome.FAILED, "AudioSocket " + reason.name().toLowerCase().replace('_', ' '));
        }
    }

    private void decode(byte[] pcm) {
        if (slot.recognizer() != null) {
            slot.execute(() -> feed(pcm));
        }
    }

    /** Ends once: sends 0x00 (if connected), then completes on the decoder thread with the final transcript. */
    private void finish(Outcome outcome, String detail) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        endNanos = System.nanoTime();
        MediaSession s = session;
        if (s != null) {
            s.end();
        }
        Duration speech = Duration.ofMillis(vad.speechMillis());
        if (slot.recognizer() == null) {
            complete(new IntakeResult(outcome, "", 0, speech, join(detail, slot.noEngineDetail())));
            return;
        }
        slot.execute(() -> {
            SpeechRecognizer.Transcript t = SpeechRecognizer.Transcript.EMPTY;
            String error = streamError;
            if (stream != null && error == null) {
                try {
                    t = stream.finish();
                } catch (RecognizerException | RuntimeException e) {
                    error = e.getMessage();
                }
            }
            closeStream();
            Outcome o = error != null && outcome == Outcome.COMPLETED ? Outcome.FAILED : outcome;
            String text = t.text().isEmpty() ? lastText : t.text();
            complete(new IntakeResult(o, text, t.confidence(), speech,
                    join(detail, error == null ? "" : "recognizer: " + error)));
        });
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "; " + b;
    }

    private void complete(IntakeResult r) {
        slot.close();
        if (result.complete(r)) {
            try (var c = CallLog.callId(callId)) {
                log.info("capture {}: speech {} ms, transcript '{}'{}", r.outcome(), r.speech().toMillis(),
                        PersonalData.mask(r.transcript()), r.detail().isEmpty() ? "" : " (" + r.detail() + ")");
            }
            onDone.accept(r);
        }
    }

    // ---- decoder thread ----

    private void openStream() {
        try {
            stream = slot.recognizer().open(request.phrases());
        } catch (RecognizerException | RuntimeException e) {
            streamError = e.getMessage();
        }
    }

    private void feed(byte[] pcm) {
        if (stream == null || streamError != null || result.isDone()) {
            return;
        }
        try {
            SpeechRecognizer.Update u = stream.accept(pcm, pcm.length);
            if (!u.text().equals(lastText)) {
                lastText = u.text();
                if (request.partials() == null) {
                    return;
                }
                try {
                    request.partials().accept(lastText);
                } catch (RuntimeException e) {
                    log.warn("partial-result consumer failed: {}", e.toString());
                }
            }
        } catch (RecognizerException | RuntimeException e) {
            streamError = e.getMessage();
        }
    }

    private void closeStream() {
        if (stream != null) {
            stream.close();
            stream = null;
        }
    }
}
