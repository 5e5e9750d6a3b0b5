package cn.hotline.ivr.speech;

import cn.hotline.ivr.flow.CallChannel;
import cn.hotline.ivr.flow.CallEndedException;
import cn.hotline.ivr.flow.CommandFailedException;
import cn.hotline.ivr.flow.CaptureRequest;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.flow.IntakeResult.Outcome;
import cn.hotline.ivr.flow.SpeechIntake;
import cn.hotline.ivr.media.AudioSocketServer;
import cn.hotline.ivr.media.MediaSession;
import cn.hotline.ivr.ops.CallLog;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speech intake over AudioSocket: admits a decoder slot, registers a fresh UUID with the AudioSocket
 * server, then runs {@code EXEC AudioSocket <uuid>,<host:port>}, which blocks the call's thread
 * until the server ends the stream with {@code 0x00} (end of speech, a key, no input, preemption)
 * or the caller hangs up. The AGI session then continues with the result.
 */
public final class AudioSocketIntake implements SpeechIntake {
    private static final Logger log = LoggerFactory.getLogger(AudioSocketIntake.class);
    /** Keys that interrupt a prompt played by Asterisk when it is not available for AudioSocket playback. */
    private static final String ANY_KEY = "0123456789*#";

    private final AudioSocketServer server;
    private final DecoderPool pool;
    private final PromptLibrary prompts;
    private final SpeechSettings settings;
    private final MeterRegistry registry;
    private final Map<String, Capture> active = new ConcurrentHashMap<>();
    private final EarlyPreemptions earlyPreemptions = new EarlyPreemptions();

    public AudioSocketIntake(AudioSocketServer server, DecoderPool pool, PromptLibrary prompts,
                             SpeechSettings settings, MeterRegistry registry) {
        this.server = server;
        this.pool = pool;
        this.prompts = prompts;
        this.settings = settings;
        this.registry = registry;
    }

    /** A capture registered and waiting for Asterisk: what to put in the EXEC, and the result to come. */
    public record Started(UUID uuid, String execArgument, Capture capture, MediaSession session) {
    }

    @Override
    public IntakeResult capture(CallChannel channel, CaptureRequest request) throws CallEndedException {
        String callId = channel.callId();
        try (var c = CallLog.callId(callId)) {
            if (preemptedEarly(callId)) {
                return counted(IntakeResult.skipped(Outcome.PREEMPTED, "an agent is free"));
            }
            byte[] prompt = null;
            if (!request.prompt().isEmpty()) {
                Optional<byte[]> audio = prompts.load(request.prompt());
                if (audio.isPresent()) {
                    prompt = audio.get();
                } else {
                    // No WAV to stream: let Asterisk play it (a key still interrupts it, speech does not).
                    log.debug("prompt {} not in {}; played by Asterisk without barge-in", request.prompt(), settings.promptsDir());
                }
            }
            DecoderPool.Admission admission = pool.admit();
            if (!admission.admitted()) {
                return counted(IntakeResult.skipped(admission.refusal(), admission.detail()));
            }
            if (prompt == null && !request.prompt().isEmpty()) {
                char key;
                try {
                    key = channel.play(request.prompt(), ANY_KEY);
                } catch (CallEndedException | CommandFailedException e) {
                    admission.slot().close();
                    throw e;
                }
                if (key != 0) {
                    admission.slot().close();
                    return counted(IntakeResult.skipped(Outcome.DTMF, "key " + key));
                }
                if (preemptedEarly(callId)) {
                    admission.slot().close();
                    return counted(IntakeResult.skipped(Outcome.PREEMPTED, "an agent is free"));
                }
            }
            Started started = start(callId, request, admission.slot(), prompt);
            if (preemptedEarly(callId)) {
                // Preempted between the prompt and the registration: Asterisk connects and is ended at once.
                started.capture().preempt("an agent is free");
            }
            int rc;
            try {
                rc = channel.exec("AudioSocket", started.execArgument());
            } catch (CallEndedException e) {
                server.cancel(started.session());
                started.capture().abandon("caller hung up");
                throw e;
            } catch (CommandFailedException e) {
                server.cancel(started.session());
                started.capture().abandon("AudioSocket command failed");
                throw e;
            } finally {
                active.remove(callId, started.capture());
            }
            if (!started.session().connected()) {
                server.cancel(started.session());
                started.capture().abandon("AudioSocket did not connect (application returned " + rc + ")");
            } else {
                started.capture().abandon("AudioSocket application returned " + rc + " before the capture ended");
            }
            return counted(await(started.capture()));
        }
    }

    /**
     * Registers a capture without running the EXEC (the benchmark and tests connect a simulated
     * Asterisk themselves). The slot must come from {@link DecoderPool#admit()}.
     */
    public Started start(String callId, CaptureRequest request, DecoderPool.Slot slot, byte[] prompt) {
        UUID uuid = UUID.randomUUID();
        Capture capture = new Capture(callId, request, settings.vad(), slot, prompt, r -> active.remove(callId));
        active.put(callId, capture);
        MediaSession session = server.expect(uuid, callId, capture);
        capture.attach(session);
        return new Started(uuid, server.execArgument(uuid), capture, session);
    }

    /**
     * Ends the capture in progress for {@code callId} (an agent freed up): the server sends 0x00 and
     * the capture returns PREEMPTED with whatever was recognised so far. False when none is running.
     */
    public boolean preempt(String callId) {
        Capture c = active.get(callId);
        if (c == null) {
            // Not capturing yet: remember it, and look again in case the capture registered meanwhile
            // (capture() registers first and checks second; this method writes first and checks second).
            earlyPreemptions.remember(callId);
            c = active.get(callId);
            if (c == null) {
                return false;
            }
            earlyPreemptions.take(callId);
        }
        c.preempt("an agent is free");
        return true;
    }

    private boolean preemptedEarly(String callId) {
        return earlyPreemptions.take(callId);
    }

    /** Captures in progress. */
    public int activeCaptures() {
        return active.size();
    }

    private IntakeResult await(Capture capture) {
        try {
            return capture.result().get(settings.resultTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return IntakeResult.skipped(Outcome.FAILED, "no final result within " + settings.resultTimeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            return IntakeResult.skipped(Outcome.FAILED, "capture failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return IntakeResult.skipped(Outcome.FAILED, "interrupted");
        }
    }

    private IntakeResult counted(IntakeResult r) {
        registry.counter("ivr.speech.captures", "outcome", r.outcome().name().toLowerCase(), "mode", "audiosocket").increment();
        return r;
    }
}
