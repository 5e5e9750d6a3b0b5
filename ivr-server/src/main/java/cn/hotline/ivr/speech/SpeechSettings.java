package cn.hotline.ivr.speech;

import cn.hotline.ivr.ops.ConfigFile;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Speech intake ({@code speech.*}).
 *
 * @param engine        {@code auto}: Vosk when the model directory exists, else capture with end-of-speech
 *                      detection only (empty transcripts); {@code vosk}: the model is required, and while
 *                      it is missing or unhealthy intake is skipped (ENGINE_UNAVAILABLE); {@code none}: never recognise
 * @param model         the Vosk model directory: {@code speech.model}, else {@code IVR_VOSK_MODEL}, else
 *                      {@code models/vosk-model-small-cn-0.22}
 * @param decoders      concurrent recognizer streams admitted (the decoding pool); one more is refused, never queued
 * @param decoderThreads threads that run the recognizer (never the network threads); 0 = one per core
 * @param capture       {@code audiosocket} (streaming, barge-in) or {@code record-file} (RECORD FILE, then batch)
 * @param promptsDir    8 kHz (or any rate) WAV prompts played over AudioSocket with barge-in, {@code <name>.wav}
 * @param recordDir     where RECORD FILE writes (this server must be able to read it: same host or shared mount)
 * @param recordMax     record-file mode: the longest one recording of the caller's words (caps
 *                      {@code speech.vad.max-utterance}); short because a free agent cannot end a
 *                      RECORD FILE: the earliest caller reaches the queue only when it ends
 * @param resultTimeout how long to wait for the final transcript after the stream ended
 * @param vad           end-of-speech detection
 */
public record SpeechSettings(
        Engine engine,
        Path model,
        int decoders,
        int decoderThreads,
        CaptureMode capture,
        Path promptsDir,
        Path recordDir,
        Duration recordMax,
        Duration resultTimeout,
        VadSettings vad) {

    public static final String DEFAULT_MODEL = "models/vosk-model-small-cn-0.22";
    public static final Duration DEFAULT_RECORD_MAX = Duration.ofSeconds(20);

    public enum Engine { AUTO, VOSK, NONE }

    public enum CaptureMode { AUDIOSOCKET, RECORD_FILE }

    public static SpeechSettings read(ConfigFile cfg) {
        return new SpeechSettings(
                cfg.choice("speech.engine", Engine.class, Engine.AUTO),
                cfg.path("speech.model", defaultModel()),
                cfg.integer("speech.decoders", 8, 1, 10_000),
                cfg.integer("speech.decoder-threads", 0, 0, 1024),
                cfg.choice("speech.capture", CaptureMode.class, CaptureMode.AUDIOSOCKET),
                cfg.path("speech.prompts-dir", Path.of("prompts")),
                cfg.path("speech.record-dir", Path.of("var/recordings")),
                cfg.duration("speech.record-max", DEFAULT_RECORD_MAX),
                cfg.duration("speech.result-timeout", Duration.ofSeconds(5)),
                VadSettings.read(cfg));
    }

    /** {@code IVR_VOSK_MODEL} when set, else the official small Chinese model under models/. */
    public static Path defaultModel() {
        String env = System.getenv("IVR_VOSK_MODEL");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(DEFAULT_MODEL);
    }

    public static SpeechSettings defaults() {
        return new SpeechSettings(Engine.AUTO, defaultModel(), 8, 0, CaptureMode.AUDIOSOCKET,
                Path.of("prompts"), Path.of("var/recordings"), DEFAULT_RECORD_MAX, Duration.ofSeconds(5), VadSettings.defaults());
    }

    public int effectiveDecoderThreads() {
        return decoderThreads > 0 ? decoderThreads : Runtime.getRuntime().availableProcessors();
    }
}
