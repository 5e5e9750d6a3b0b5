package cn.hotline.ivr.speech;

import cn.hotline.ivr.ops.ConfigFile;
import java.time.Duration;

/**
 * End-of-speech detection parameters ({@code speech.vad.*}); the three timings are defaults that a
 * {@code CaptureRequest} may override per question.
 *
 * @param noInput         give up when no speech has started by then (counted after the prompt)
 * @param trailingSilence silence after speech that ends the utterance
 * @param maxUtterance    hard cap on one utterance
 * @param speechStart     voiced audio needed before "speech started" is declared (and a prompt is cut)
 * @param thresholdDb     how far above the noise floor a 20 ms frame must be to count as voiced
 * @param minLevelDb      frames quieter than this (dBFS) are never speech, whatever the floor
 * @param releaseDb       extra dB over the threshold a frame needs to keep an utterance going: above 0
 *                        the end comes sooner on noisy tails, at the risk of ending at a soft pause
 */
public record VadSettings(
        Duration noInput,
        Duration trailingSilence,
        Duration maxUtterance,
        Duration speechStart,
        double thresholdDb,
        double minLevelDb,
        double releaseDb) {

    public static VadSettings defaults() {
        return new VadSettings(Duration.ofSeconds(6), Duration.ofMillis(800), Duration.ofSeconds(45),
                Duration.ofMillis(60), 12, -50, 0);
    }

    public static VadSettings read(ConfigFile cfg) {
        VadSettings d = defaults();
        return new VadSettings(
                cfg.duration("speech.vad.no-input", d.noInput()),
                cfg.duration("speech.vad.trailing-silence", d.trailingSilence()),
                cfg.duration("speech.vad.max-utterance", d.maxUtterance()),
                cfg.duration("speech.vad.speech-start", d.speechStart()),
                cfg.decimal("speech.vad.threshold-db", d.thresholdDb(), 3, 40),
                cfg.decimal("speech.vad.min-level-db", d.minLevelDb(), -90, -10),
                cfg.decimal("speech.vad.release-db", d.releaseDb(), 0, 20));
    }

    /** The same settings with a request's own timings (null keeps the configured one). */
    public VadSettings with(Duration noInput, Duration trailingSilence, Duration maxUtterance) {
        return new VadSettings(
                noInput != null ? noInput : this.noInput,
                trailingSilence != null ? trailingSilence : this.trailingSilence,
                maxUtterance != null ? maxUtterance : this.maxUtterance,
                speechStart, thresholdDb, minLevelDb, releaseDb);
    }
}

