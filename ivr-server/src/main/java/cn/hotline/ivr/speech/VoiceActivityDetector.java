package cn.hotline.ivr.speech;

/**
 * Decides, frame by 20 ms frame of 8 kHz audio, when the caller starts and stops speaking. It does
 * not depend on any recognizer, so a capture ends promptly with no model and with any engine.
 *
 * <p>Energy-based with an adaptive noise floor: a frame is voiced when its level is
 * {@code thresholdDb} above the floor (and above an absolute minimum). The floor falls quickly to
 * quieter frames and rises slowly, and only outside speech, so line noise is learnt within a second
 * while an utterance never teaches the detector that speech is noise. Speech starts after {@code speechStart} of consecutive voiced frames; it ends
 * after {@code trailingSilence} without a voiced frame, or at {@code maxUtterance}. Not thread-safe:
 * one instance per stream, fed from one thread.
 */
public final class VoiceActivityDetector {
    public static final int FRAME_MS = 20;
    private static final double SILENCE_DB = -96;
    private static final double FLOOR_MIN_DB = -80;
    private static final double FLOOR_INIT_CAP_DB = -55;
    private static final int CONTINUE_FRAMES = 2;
    /**
     * Inside an utterance a frame must also carry energy above the rumble band: breath noise, a
     * handset's hum and low-frequency room noise after the last syllable are loud in full band but
     * hold little above ~110 Hz, while every voiced or fricative sound of speech does. Measured with
     * {@code ivr eval-vad}: the p99 end-of-speech decision moved from +200 ms to +100 ms after the
     * true speech end with no caller cut off (see docs/speech.md).
     */
    private static final double HIGH_PASS_HZ = 110;
    /** How far below the speech threshold the high-passed level may be and still continue speech. */
    private static final double HIGH_PASS_MARGIN_DB = 6;

    public enum Event {
        /** Nothing to report. */
        NONE,
        /** Speech started with this frame (barge-in point). */
        SPEECH_START,
        /** Speech ended: trailing silence reached. */
        END_OF_SPEECH,
        /** Speech went on for the maximum utterance length. */
        MAX_UTTERANCE,
        /** No speech before the no-input timeout. */
        NO_INPUT
    }

    private final int startFrames;
    private final int trailingFrames;
    private final int maxFrames;
    private final int noInputFrames;
    private final double thresholdDb;
    private final double minLevelDb;
    private final double releaseDb;

    private double floorDb = Double.NaN;
    private int frames;
    private int waitingFrames;
    private int voicedRun;
    private int silentRun;
    private boolean speaking;
    private boolean done;
    private int speechStartFrame = -1;
    private int lastVoicedFrame = -1;
    private final HighPass highPass = new HighPass(HIGH_PASS_HZ, 8000);

    public VoiceActivityDetector(VadSettings s) {
        this.startFrames = Math.max(1, (int) (s.speechStart().toMillis() / FRAME_MS));
        this.trailingFrames = Math.max(1, (int) (s.trailingSilence().toMillis() / FRAME_MS));
        this.maxFrames = Math.max(1, (int) (s.maxUtterance().toMillis() / FRAME_MS));
        this.noInputFrames = Math.max(1, (int) (s.noInput().toMillis() / FRAME_MS));
        this.thresholdDb = s.thresholdDb();
        this.minLevelDb = s.minLevelDb();
        this.releaseDb = s.releaseDb();
    }

    /** Level of signed 16-bit little-endian samples in dB relative to full scale. */
    public static double levelDb(byte[] pcm, int offset, int length) {
        int n = length / 2;
        if (n == 0) {
            return SILENCE_DB;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int at = offset + 2 * i;
            int s = (short) ((pcm[at] & 0xFF) | (pcm[at + 1] << 8));
            sum += (double) s * s;
        }
        double meanSquare = sum / n;
        return meanSquare <= 0 ? SILENCE_DB : Math.max(SILENCE_DB, 10 * Math.log10(meanSquare / (32768.0 * 32768.0)));
    }

    /** Feeds one 20 ms frame; every frame counts towards the no-input timeout. */
    public Event accept(byte[] pcm) {
        return accept(pcm, true);
    }

    /**
     * Feeds one 20 ms frame. {@code countsForNoInput} is false while a prompt is still playing: the
     * caller's time to answer starts when the question has been asked.
     */
    public Event accept(byte[] pcm, boolean countsForNoInput) {
        if (done) {
            return Event.NONE;
        }
        double level = levelDb(pcm, 0, pcm.length);
        double highPassedLevel = highPass.levelDb(pcm);
        int index = frames++;
        if (Double.isNaN(floorDb)) {
            floorDb = Math.max(FLOOR_MIN_DB, Math.min(level, FLOOR_INIT_CAP_DB));
        }
        double needed = Math.max(minLevelDb, floorDb + thresholdDb);
        boolean loud = level > needed;
        adaptFloor(level, loud);
        boolean voiced = speaking
                ? level > needed + releaseDb && highPassedLevel > needed + releaseDb - HIGH_PASS_MARGIN_DB
                : loud;
        if (voiced) {
            voicedRun++;
            // A lone loud frame in the trailing silence (a click, a breath) does not restart the
            // wait; two in a row (40 ms) are speech again.
            if (!speaking || voicedRun >= CONTINUE_FRAMES) {
                silentRun = 0;
                lastVoicedFrame = index;
            } else {
                silentRun++;
            }
        } else {
            voicedRun = 0;
            silentRun++;
        }
        if (!speaking) {
            if (voicedRun >= startFrames) {
                speaking = true;
                speechStartFrame = index - startFrames + 1;
                return Event.SPEECH_START;
            }
            if (countsForNoInput && ++waitingFrames >= noInputFrames) {
                done = true;
                return Event.NO_INPUT;
            }
            return Event.NONE;
        }
        if (silentRun >= trailingFrames) {
            done = true;
            return Event.END_OF_SPEECH;
        }
        if (index - speechStartFrame + 1 >= maxFrames) {
            done = true;
            return Event.MAX_UTTERANCE;
        }
        return Event.NONE;
    }

    private void adaptFloor(double level, boolean voiced) {
        double target = Math.max(FLOOR_MIN_DB, level);
        if (target < floorDb) {
            floorDb += 0.1 * (target - floorDb);
        } else if (!speaking && !voiced) {
            // Only rise between utterances: the quiet gaps inside speech are not line noise.
            floorDb += 0.05 * (target - floorDb);
        }
    }

    public boolean speaking() {
        return speaking;
    }

    public boolean done() {
        return done;
    }

    /** Frames seen so far. */
    public int frames() {
        return frames;
    }

    /** Milliseconds of speech: from its first voiced frame to its last (0 before speech). */
    public long speechMillis() {
        if (speechStartFrame < 0) {
            return 0;
        }
        return (long) (lastVoicedFrame - speechStartFrame + 1) * FRAME_MS;
    }

    /** Start of speech in ms from the first frame, -1 if none. */
    public long speechStartMillis() {
        return speechStartFrame < 0 ? -1 : (long) speechStartFrame * FRAME_MS;
    }

    /** End of the last voiced frame in ms from the first frame, -1 if none. */
    public long speechEndMillis() {
        return lastVoicedFrame < 0 || speechStartFrame < 0 ? -1 : (long) (lastVoicedFrame + 1) * FRAME_MS;
    }

    public double noiseFloorDb() {
        return floorDb;
    }

    /**
     * Second-order Butterworth high-pass (RBJ biquad), run over every frame so its state follows the
     * stream; only its output level is used.
     */
    private static final class HighPass {
        private final double b0, b1, b2, a1, a2;
        private double x1, x2, y1, y2;

        HighPass(double cutoffHz, double sampleRate) {
            double w0 = 2 * Math.PI * cutoffHz / sampleRate;
            double alpha = Math.sin(w0) / (2 * Math.sqrt(0.5));
            double cos = Math.cos(w0);
            double a0 = 1 + alpha;
            b0 = (1 + cos) / 2 / a0;
            b1 = -(1 + cos) / a0;
            b2 = b0;
            a1 = -2 * cos / a0;
            a2 = (1 - alpha) / a0;
        }

        double levelDb(byte[] pcm) {
            int n = pcm.length / 2;
            if (n == 0) {
                return SILENCE_DB;
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                double x = (short) ((pcm[2 * i] & 0xFF) | (pcm[2 * i + 1] << 8));
                double y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
                x2 = x1;
                x1 = x;
                y2 = y1;
                y1 = y;
                sum += y * y;
            }
            double meanSquare = sum / n;
            return meanSquare <= 1e-9 ? SILENCE_DB : Math.max(SILENCE_DB, 10 * Math.log10(meanSquare / (32768.0 * 32768.0)));
        }
    }
}
