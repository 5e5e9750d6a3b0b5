package cn.hotline.ivr.speech;

/**
 * Streaming integer-factor upsampler (8 kHz call audio to a 16 kHz model): Hann-windowed sinc
 * interpolation with 16 input taps, chunk boundaries handled by keeping the last input samples, so
 * feeding audio in 20 ms frames gives exactly what feeding it at once would. Vosk must get the
 * model's own rate: a Vosk model only allows downsampling (model.cc sets allow_downsample only), and
 * at a lower input rate Kaldi refuses every chunk, which libvosk 0.3.45 reports as -1 (no text ever). Latency: 8 input samples (1 ms at 8 kHz); {@link #flush()} drains them.
 * Not thread-safe: one per stream.
 */
final class Upsampler {
    private static final int HALF = 8;

    private final int factor;
    private final double[][] phases;
    private final short[] window = new short[2 * HALF];
    private int filled;

    Upsampler(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor must be at least 1, got " + factor);
        }
        this.factor = factor;
        this.phases = new double[factor][2 * HALF];
        double cutoff = 0.92; // of the input Nyquist: keeps telephone speech, drops the images
        for (int p = 0; p < factor; p++) {
            double sum = 0;
            for (int t = 0; t < 2 * HALF; t++) {
                double d = (double) p / factor + HALF - 1 - t;
                double x = d * cutoff;
                double sinc = x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
                double w = 0.5 + 0.5 * Math.cos(Math.PI * d / HALF);
                phases[p][t] = Math.abs(d) >= HALF ? 0 : sinc * w;
                sum += phases[p][t];
            }
            for (int t = 0; t < 2 * HALF; t++) {
                phases[p][t] /= sum;
            }
        }
    }

    int factor() {
        return factor;
    }

    /** Upsamples signed 16-bit little-endian samples; returns the output samples ready so far. */
    short[] accept(byte[] pcm, int length) {
        int n = length / 2;
        short[] out = new short[n * factor];
        if (factor == 1) { // a narrowband model: the audio as it is
            for (int i = 0; i < n; i++) {
                out[i] = (short) ((pcm[2 * i] & 0xFF) | (pcm[2 * i + 1] << 8));
            }
            return out;
        }
        int produced = 0;
        for (int i = 0; i < n; i++) {
            short s = (short) ((pcm[2 * i] & 0xFF) | (pcm[2 * i + 1] << 8));
            produced = push(s, out, produced);
        }
        return produced == out.length ? out : java.util.Arrays.copyOf(out, produced);
    }

    /** The last samples held back for look-ahead, completed with silence. */
    short[] flush() {
        if (factor == 1) {
            return new short[0];
        }
        short[] out = new short[HALF * factor];
        int produced = 0;
        for (int i = 0; i < HALF; i++) {
            produced = push((short) 0, out, produced);
        }
        return java.util.Arrays.copyOf(out, produced);
    }

    private int push(short s, short[] out, int produced) {
        System.arraycopy(window, 1, window, 0, window.length - 1);
        window[window.length - 1] = s;
        if (filled < HALF) {
            // The first output is centred on the first input sample: wait until it has HALF of look-ahead.
            filled++;
            return produced;
        }
        for (int p = 0; p < factor; p++) {
            double acc = 0;
            double[] h = phases[p];
            for (int t = 0; t < window.length; t++) {
                acc += h[t] * window[t];
            }
            out[produced++] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(acc)));
        }
        return produced;
    }
}
