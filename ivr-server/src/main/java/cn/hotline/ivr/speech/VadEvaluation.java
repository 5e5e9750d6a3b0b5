package cn.hotline.ivr.speech;

import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.media.SpeechBounds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The end-of-speech detector alone, offline, on recorded clips: each clip (8 kHz) is followed by
 * line silence and optionally mixed with white noise, fed frame by frame exactly as a call feeds it,
 * and the detector's decision is compared with the clip's true speech end ({@link SpeechBounds}).
 * This separates the detector's judgement from the media pipeline's latency (which {@code bench media}
 * measures on top), and lets an engineer try {@code speech.vad.*} values on recordings of their own lines.
 */
public final class VadEvaluation {
    private static final int FRAME_BYTES = 320;

    /**
     * @param noiseDb white noise mixed over the clip and the tail, in dBFS RMS; null for none
     * @param tailMs  line silence appended after the clip (the caller has stopped talking)
     */
    public record Conditions(Double noiseDb, long tailMs, long seed) {
    }

    /**
     * One clip. {@code outcome}: END_OF_SPEECH at the right place; CUT_OFF when the detector ended
     * before the true speech end (a pause inside the sentence: the caller would be cut off);
     * NO_INPUT, MAX_UTTERANCE, or NONE (never ended within the tail).
     * {@code overTrailingMs} = decision time − true end − trailing silence (0 is perfect).
     */
    public record Clip(String name, String outcome, long trueEndMs, long decisionMs, long overTrailingMs) {
    }

    public record Summary(int clips, int skipped, int ended, int cutOff, int neverEnded,
                          long trailingSilenceMs, double releaseDb, double thresholdDb, Double noiseDb,
                          Double p10, Double p50, Double p90, Double p99, Double max) {
    }

    public record Report(List<Clip> perClip, Summary summary) {
    }

    /** A named clip at 8 kHz. */
    public record Input(String name, Pcm audio) {
    }

    private VadEvaluation() {
    }

    public static Report run(List<Input> inputs, VadSettings vad, Conditions conditions) {
        Random random = new Random(conditions.seed());
        List<Clip> clips = new ArrayList<>();
        int skipped = 0;
        for (Input in : inputs) {
            if (in.audio().sampleRate() != Pcm.TELEPHONY_RATE) {
                throw new IllegalArgumentException(in.name() + ": audio must be 8 kHz, got " + in.audio().sampleRate());
            }
            SpeechBounds truth = SpeechBounds.of(in.audio());
            if (truth.endMillis() < 0) {
                skipped++; // nothing stands out of the clip's own noise: no true end to compare with
                continue;
            }
            clips.add(evaluate(in, truth, vad, conditions, random));
        }
        long[] over = clips.stream().filter(c -> c.outcome().equals("END_OF_SPEECH"))
                .mapToLong(Clip::overTrailingMs).sorted().toArray();
        int cut = (int) clips.stream().filter(c -> c.outcome().equals("CUT_OFF")).count();
        Summary summary = new Summary(clips.size(), skipped, over.length, cut, clips.size() - over.length - cut,
                vad.trailingSilence().toMillis(), vad.releaseDb(), vad.thresholdDb(), conditions.noiseDb(),
                pct(over, 0.10), pct(over, 0.50), pct(over, 0.90), pct(over, 0.99),
                over.length == 0 ? null : (double) over[over.length - 1]);
        return new Report(clips, summary);
    }

    private static Clip evaluate(Input in, SpeechBounds truth, VadSettings vad, Conditions conditions, Random random) {
        short[] clip = in.audio().samples();
        short[] all = Arrays.copyOf(clip, clip.length + (int) (conditions.tailMs() * Pcm.TELEPHONY_RATE / 1000));
        if (conditions.noiseDb() != null) {
            // Uniform white noise: RMS = amplitude / sqrt(3).
            double amplitude = Math.pow(10, conditions.noiseDb() / 20) * 32768 * Math.sqrt(3);
            for (int i = 0; i < all.length; i++) {
                double v = all[i] + (random.nextDouble() * 2 - 1) * amplitude;
                all[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
            }
        }
        byte[] pcm = new Pcm(Pcm.TELEPHONY_RATE, all).toBytes();
        VoiceActivityDetector detector = new VoiceActivityDetector(vad);
        byte[] frame = new byte[FRAME_BYTES];
        for (int at = 0; at + FRAME_BYTES <= pcm.length; at += FRAME_BYTES) {
            System.arraycopy(pcm, at, frame, 0, FRAME_BYTES);
            VoiceActivityDetector.Event e = detector.accept(frame);
            if (e == VoiceActivityDetector.Event.NONE || e == VoiceActivityDetector.Event.SPEECH_START) {
                continue;
            }
            long decision = (long) detector.frames() * VoiceActivityDetector.FRAME_MS;
            String outcome = e == VoiceActivityDetector.Event.END_OF_SPEECH && decision < truth.endMillis()
                    ? "CUT_OFF" : e.name();
            return new Clip(in.name(), outcome, truth.endMillis(), decision,
                    decision - truth.endMillis() - vad.trailingSilence().toMillis());
        }
        return new Clip(in.name(), "NONE", truth.endMillis(), -1, 0);
    }

    private static Double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return null;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return (double) sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
