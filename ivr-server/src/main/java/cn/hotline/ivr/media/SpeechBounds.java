package cn.hotline.ivr.media;

/**
 * Where speech really starts and ends in a whole clip, judged after the fact (non-causally): the
 * first and last loud 10 ms frame. This is the reference the
 * benchmark and tests measure the streaming detector's delay against. It sees the whole clip: the
 * noise level is the clip's 10th-percentile frame, and speech is any frame 12 dB above it (and within
 * 35 dB of the loudest), so it needs no adaptation and no trailing-silence wait.
 */
public record SpeechBounds(long startMillis, long endMillis) {
    private static final double BELOW_PEAK_DB = 35;
    private static final double ABOVE_NOISE_DB = 12;
    private static final double FLOOR_DB = -60;

    public static SpeechBounds of(Pcm audio) {
        int frame = audio.sampleRate() / 100;
        short[] s = audio.samples();
        int frames = s.length / frame;
        double[] level = new double[frames];
        double peak = -200;
        for (int f = 0; f < frames; f++) {
            double sum = 0;
            for (int i = f * frame; i < (f + 1) * frame; i++) {
                sum += (double) s[i] * s[i];
            }
            double ms = sum / frame;
            level[f] = ms <= 0 ? -200 : 10 * Math.log10(ms / (32768.0 * 32768.0));
            peak = Math.max(peak, level[f]);
        }
        double[] sorted = level.clone();
        java.util.Arrays.sort(sorted);
        double noise = frames == 0 ? FLOOR_DB : sorted[frames / 10];
        double threshold = Math.max(Math.max(noise + ABOVE_NOISE_DB, peak - BELOW_PEAK_DB), FLOOR_DB);
        int first = -1;
        int last = -1;
        for (int f = 0; f < frames; f++) {
            if (level[f] >= threshold) {
                if (first < 0) {
                    first = f;
                }
                last = f;
            }
        }
        return first < 0 ? new SpeechBounds(-1, -1) : new SpeechBounds(first * 10L, (last + 1) * 10L);
    }
}
