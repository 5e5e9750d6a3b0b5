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
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback without AudioSocket: Asterisk records the caller with {@code RECORD FILE} (ending on
 * silence, a key, or the maximum length), then the recording is run through the same detector and
 * recognizer in one batch. No barge-in and no partial results; the recording is deleted afterwards.
 *
 * <p>Nothing on the AGI side can end a RECORD FILE early. With a {@link RemoteKey} (AMI's
 * {@code PlayDTMF} with {@code Receive}), {@link #preempt} makes Asterisk act as if the caller had
 * pressed {@code #}, which ends the recording; what was recorded is recognised and the capture
 * returns PREEMPTED. Without one, a free agent waits for the recording to end.
 */
public final class RecordFileIntake implements SpeechIntake {
    private static final Logger log = LoggerFactory.getLogger(RecordFileIntake.class);
    private static final String ANY_KEY = "0123456789*#";
    private static final int FRAME = 320;
    /** Every recording this server asks Asterisk for is named {@code intake-<callId>-<uuid>.wav}. */
    static final String RECORDING_PREFIX = "intake-";
    private static final Pattern OWN_RECORDING = Pattern.compile(
            "intake-[A-Za-z0-9._-]+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.wav");

    private static final char PREEMPT_KEY = '#';
    private static final String PREEMPTED = "an agent is free";

    /** Presses a key on a caller's channel from outside their AGI session, as if the caller had. */
    @FunctionalInterface
    public interface RemoteKey {
        /** Returns false when the key could not be sent (the reason is logged). */
        boolean press(String channelName, char digit);
    }

    /**
     * Where a capture is, as far as a free agent is concerned. Only in {@code LISTENING} is a command
     * running (or being sent) that the remote key ends: the invitation or a recording. Between two
     * segments nothing needs ending (the loop looks before the next one), and once the last recording
     * is over a free agent has nothing left to end: the caller heads for the queue anyway, and a key
     * sent then would only land on the channel after intake.
     */
    private enum Phase { BETWEEN, LISTENING, PREEMPTED, FINISHED }

    /** A capture in progress: the caller's channel name (for the remote key) and its phase. */
    private record Capturing(String channelName, AtomicReference<Phase> phase) {
        /** About to send a command a key ends; false when an agent freed up meanwhile. */
        boolean listen() {
            return phase.compareAndSet(Phase.BETWEEN, Phase.LISTENING);
        }

        /** The command returned; true when the remote key was sent while it ran (it ended it, or will end nothing). */
        boolean endedByAgent() {
            return !phase.compareAndSet(Phase.LISTENING, Phase.BETWEEN);
        }
    }

    private final DecoderPool pool;
    private final SpeechSettings settings;
    private final MeterRegistry registry;
    private final RemoteKey remoteKey;
    private final Map<String, Capturing> active = new ConcurrentHashMap<>();
    private final EarlyPreemptions earlyPreemptions = new EarlyPreemptions();

    /** @param remoteKey ends a recording when an agent frees up; null: recordings always run to their end */
    public RecordFileIntake(DecoderPool pool, SpeechSettings settings, MeterRegistry registry, RemoteKey remoteKey) {
        this.pool = pool;
        this.settings = settings;
        this.registry = registry;
        this.remoteKey = remoteKey;
    }

    public RecordFileIntake(DecoderPool pool, SpeechSettings settings, MeterRegistry registry) {
        this(pool, settings, registry, null);
    }

    @Override
    public boolean preemptible() {
        return remoteKey != null;
    }

    @Override
    public IntakeResult capture(CallChannel channel, CaptureRequest request) throws CallEndedException {
        String callId = channel.callId();
        try (var c = CallLog.callId(callId)) {
            try {
                if (earlyPreemptions.take(callId)) {
                    return counted(IntakeResult.skipped(Outcome.PREEMPTED, PREEMPTED));
                }
                DecoderPool.Admission admission = pool.admit();
                if (!admission.admitted()) {
                    return counted(IntakeResult.skipped(admission.refusal(), admission.detail()));
                }
                try (DecoderPool.Slot slot = admission.slot()) {
                    Capturing capturing = new Capturing(remoteKey == null ? null : channel.getVariable("CHANNEL"),
                            new AtomicReference<>(Phase.BETWEEN));
                    active.put(callId, capturing);
                    try {
                        if (earlyPreemptions.take(callId)) { // preempted between the first check and registering
                            return counted(IntakeResult.skipped(Outcome.PREEMPTED, PREEMPTED));
                        }
                        return counted(record(channel, request, slot, capturing));
                    } finally {
                        capturing.phase().set(Phase.FINISHED);
                        active.remove(callId, capturing);
                    }
                }
            } finally {
                // From now on a free agent is too late for this capture: nothing is remembered for a next one.
                earlyPreemptions.captureEnded(callId);
            }
        }
    }

    /**
     * Ends the capture in progress for {@code callId} (an agent freed up): the remote key ends the
     * invitation or the recording, and the capture returns PREEMPTED with what was recorded. A call not
     * capturing yet is remembered, and its capture ends as soon as it starts; a call whose capture has
     * ended (the caller is on the way to the queue) is left alone. False when none is running.
     */
    public boolean preempt(String callId) {
        try (var scope = CallLog.callId(callId)) { // the AMI thread: the lines below are about this call
            Capturing c = active.get(callId);
            if (c == null) {
                if (!earlyPreemptions.remember(callId)) {
                    return false; // its capture is over: the caller reaches the queue without help
                }
                c = active.get(callId); // capture() registers first and checks second; this writes first and checks second
                if (c == null) {
                    return false;
                }
                if (!earlyPreemptions.take(callId)) {
                    return true; // the capture found it as it started and ends at once: no key to send
                }
            }
            Phase was;
            do {
                was = c.phase().get();
                if (was != Phase.BETWEEN && was != Phase.LISTENING) {
                    return true; // already preempted, or its last recording is over: nothing to end
                }
            } while (!c.phase().compareAndSet(was, Phase.PREEMPTED));
            if (was == Phase.LISTENING && remoteKey != null) {
                if (c.channelName() == null || c.channelName().isEmpty()) {
                    log.warn("agent free, but Asterisk did not give this caller's channel name: the recording runs to its end");
                } else {
                    remoteKey.press(c.channelName(), PREEMPT_KEY);
                }
            }
            return true;
        }
    }

    private IntakeResult record(CallChannel channel, CaptureRequest request, DecoderPool.Slot slot, Capturing capturing)
            throws CallEndedException {
        VadSettings vad = settings.vad().with(request.noInput(), request.trailingSilence(), request.maxUtterance());
        if (vad.maxUtterance().compareTo(settings.recordMax()) > 0) {
            vad = vad.with(null, null, settings.recordMax());
        }
        if (!request.prompt().isEmpty()) {
            if (!capturing.listen()) {
                return IntakeResult.skipped(Outcome.PREEMPTED, PREEMPTED);
            }
            char key = channel.play(request.prompt(), ANY_KEY);
            if (capturing.endedByAgent()) {
                return IntakeResult.skipped(Outcome.PREEMPTED, PREEMPTED); // the remote key ended the prompt, not the caller
            }
            if (key != 0) {
                return IntakeResult.skipped(Outcome.DTMF, "key " + key);
            }
        }
        try {
            Files.createDirectories(settings.recordDir());
        } catch (IOException | RuntimeException e) {
            String reason = "cannot create speech.record-dir " + settings.recordDir() + ": " + reasonOf(e, settings.recordDir());
            log.warn("{}; capture ends without speech", reason);
            return IntakeResult.skipped(Outcome.FAILED, reason);
        }
        Duration silence = recordSilence(vad.trailingSilence());
        // Segments end on `silence` seconds without sound, counted from the start too: a caller who has
        // not spoken yet gets another segment until speech.vad.no-input has passed.
        int maxSegments = (int) Math.max(1, (vad.noInput().toMillis() + silence.toMillis() - 1) / silence.toMillis());
        Duration waited = Duration.ZERO;
        for (int segment = 1; ; segment++) {
            if (!capturing.listen()) {
                return IntakeResult.skipped(Outcome.PREEMPTED, PREEMPTED); // nothing was heard in the segments so far
            }
            Duration remaining = vad.noInput().minus(waited);
            Path base = settings.recordDir().resolve(RECORDING_PREFIX + safe(channel.callId()) + "-" + UUID.randomUUID());
            Path wav = Path.of(base + ".wav");
            try {
                char key = channel.record(base.toString(), "wav", ANY_KEY, vad.maxUtterance().plus(remaining), silence);
                boolean preempted = capturing.endedByAgent();
                if (ANY_KEY.indexOf(key) < 0) {
                    // Only a key among the escape digits ends a recording; res_agi.c answers a recording ended
                    // on silence with "200 result=<ms left of the time limit> (timeout)", which is no key.
                    key = 0;
                }
                if (preempted) {
                    key = 0; // the remote key (or a key of the caller's at the same moment): what was said still counts
                }
                if (key != 0 && key != '#') {
                    return IntakeResult.skipped(Outcome.DTMF, "key " + key);
                }
                if (!Files.isRegularFile(wav)) {
                    return IntakeResult.skipped(Outcome.FAILED, "recording not found at " + wav
                            + " (speech.record-dir must be the directory Asterisk writes to)");
                }
                Pcm audio = Pcm.readWav(wav).toTelephony();
                // Asterisk cuts all but one second of the closing silence: count at least the silence waited.
                Duration recorded = Duration.ofMillis((long) (audio.seconds() * 1000));
                waited = waited.plus(recorded.compareTo(silence) > 0 ? recorded : silence);
                boolean again = key == 0 && !preempted && !heardSpeech(audio, vad)
                        && waited.compareTo(vad.noInput()) < 0 && segment < maxSegments;
                if (!again) {
                    // The recording is over: an agent freeing up during recognition has nothing left to end.
                    capturing.phase().set(Phase.FINISHED);
                    IntakeResult r = recognise(audio, request, vad, slot, key == '#');
                    return preempted && r.outcome() != Outcome.FAILED
                            ? new IntakeResult(Outcome.PREEMPTED, r.transcript(), r.confidence(), r.speech(), PREEMPTED)
                            : r;
                }
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
    }

    /**
     * RECORD FILE's {@code s=}: whole seconds of silence that end the recording, counted from its start
     * as well as after speech. Asterisk then cuts all but the last second of that silence, so below 2 s
     * nothing of the pause after the words would be left for the detector. Rounding the trailing silence
     * up (800 ms → 2 s) makes a caller wait at most about 2 s after speaking; a caller silent that long
     * before speaking gets another segment (see record), so no-input no longer sets the wait after speech.
     */
    static Duration recordSilence(Duration trailingSilence) {
        long seconds = Math.max(2, (trailingSilence.toMillis() + 999) / 1000);
        return Duration.ofSeconds(seconds);
    }

    private static boolean heardSpeech(Pcm audio, VadSettings vadSettings) {
        VoiceActivityDetector vad = new VoiceActivityDetector(vadSettings);
        byte[] pcm = audio.toBytes();
        for (int off = 0; off + FRAME <= pcm.length && !vad.done() && vad.speechStartMillis() < 0; off += FRAME) {
            vad.accept(java.util.Arrays.copyOfRange(pcm, off, off + FRAME));
        }
        return vad.speechStartMillis() >= 0;
    }

    private static String reasonOf(Exception e, Path dir) {
        if (e instanceof java.nio.file.FileSystemException f) {
            String what = f.getReason() != null ? f.getReason()
                    : f instanceof NoSuchFileException ? "no such file or directory"
                    : f instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : f instanceof java.nio.file.FileAlreadyExistsException ? "a file that is not a directory is in the way"
                    : "refused";
            return dir.toString().equals(f.getFile()) ? what : what + " (" + f.getFile() + ")";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * How long a recording of ours must have been left untouched before a sweep deletes it. A recording
     * in progress is written every 20 ms, and a finished one is deleted once recognised (at most about
     * twice its length later); the margin keeps a sweep from deleting the live recording of another
     * server that shares the directory.
     */
    public static Duration leftoverAge(SpeechSettings settings) {
        return Duration.ofMinutes(2).plus(settings.recordMax().multipliedBy(3)).plus(settings.resultTimeout());
    }

    /**
     * Deletes the recordings this server names ({@code intake-<callId>-<uuid>.wav}, never any other
     * file) that were last written before {@code before}: left by a server killed during a capture, they
     * hold callers' voices. Logs one INFO line with the count; returns it.
     */
    public static int sweepLeftovers(Path dir, Instant before) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int deleted = 0;
        int failed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                try {
                    if (OWN_RECORDING.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f)
                            && Files.getLastModifiedTime(f).toInstant().isBefore(before)) {
                        Files.delete(f);
                        deleted++;
                    }
                } catch (NoSuchFileException e) {
                    // deleted meanwhile by the server that made it
                } catch (IOException e) {
                    failed++;
                }
            }
        } catch (IOException e) {
            log.warn("could not list speech.record-dir {} to delete leftover recordings: {}", dir, e.getMessage());
            return deleted;
        }
        if (failed > 0) {
            log.warn("deleted {} leftover recording(s) in speech.record-dir {}; {} could not be deleted (check the permissions)",
                    deleted, dir, failed);
        } else {
            log.info("deleted {} leftover recording(s) in speech.record-dir {}", deleted, dir);
        }
        return deleted;
    }

    /**
     * What a caller said into the recording a killed server left behind (record-file mode has no partial
     * words to checkpoint): the newest finished recording of this call in {@code speech.record-dir},
     * recognised as at the end of a capture, then deleted with any other of the call's. Empty when there is
     * none, when it is still being written (Asterisk records on until silence or the time limit after the AGI
     * session is gone; the sweep takes it later), when nothing was said, or after {@code deadline} (a start
     * after a crash must not wait on many recordings: the rest are recovered without words).
     */
    public Optional<String> recogniseLeftover(String callId, Instant deadline) {
        String prefix = RECORDING_PREFIX + safe(callId) + "-";
        List<Path> mine;
        try (Stream<Path> files = Files.list(settings.recordDir())) {
            mine = files.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && OWN_RECORDING.matcher(f.getFileName().toString()).matches()).toList();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();   // no directory, or not readable: the start-up check has said so
        }
        if (mine.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path newest = mine.stream().max(Comparator.comparing(RecordFileIntake::modified)).orElseThrow();
            if (modified(newest).isAfter(Instant.now().minus(LEFTOVER_SETTLED))) {
                log.info("the recording left by this interrupted intake is still being written: its words are not recovered");
                return Optional.empty();
            }
            if (Instant.now().isAfter(deadline)) {
                log.info("no time left at start-up to recognise the recording left by this interrupted intake");
                return Optional.empty();
            }
            DecoderPool.Admission admission = pool.admit();
            if (!admission.admitted()) {
                return Optional.empty();
            }
            try (DecoderPool.Slot slot = admission.slot()) {
                VadSettings vad = settings.vad().with(null, null, settings.recordMax());
                CaptureRequest request = new CaptureRequest("", vad.noInput(), vad.trailingSilence(), vad.maxUtterance(),
                        List.of(), words -> { });
                IntakeResult r = recognise(Pcm.readWav(newest).toTelephony(), request, vad, slot, false);
                log.info("recording left by this interrupted intake recognised: {} ({} ms of speech)",
                        r.transcript().isEmpty() ? "no words" : "'" + PersonalData.mask(r.transcript()) + "'", r.speech().toMillis());
                return r.transcript().isBlank() ? Optional.empty() : Optional.of(r.transcript());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("recording left by this interrupted intake unreadable: {}", e.getMessage());
            return Optional.empty();
        } finally {
            for (Path f : mine) {
                try {
                    if (!modified(f).isAfter(Instant.now().minus(LEFTOVER_SETTLED))) {
                        Files.deleteIfExists(f);   // a caller's voice: kept no longer than needed
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("could not delete recording {}: {}", f, e.getMessage());
                }
            }
        }
    }

    /** A recording unchanged this long is finished: Asterisk writes one every 20 ms while it records. */
    private static final Duration LEFTOVER_SETTLED = Duration.ofSeconds(1);

    private static Instant modified(Path f) {
        try {
            return Files.getLastModifiedTime(f).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;   // gone meanwhile: the oldest, and nothing to keep
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
