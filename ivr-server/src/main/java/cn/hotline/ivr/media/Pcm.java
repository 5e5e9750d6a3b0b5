package cn.hotline.ivr.media;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mono 16-bit audio in memory, plus the WAV reading, writing and resampling the server needs
 * (prompts, RECORD FILE recordings, test clips): no external tool at run time.
 */
public record Pcm(int sampleRate, short[] samples) {
    public static final int TELEPHONY_RATE = 8000;

    public Pcm {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
    }

    public double seconds() {
        return samples.length / (double) sampleRate;
    }

    /**
     * Reads a RIFF/WAVE file of 16-bit (or 8-bit) integer PCM, any rate, any channel count (mixed
     * down to mono). Anything else, and any damaged or truncated file, fails with an IOException whose
     * message starts with the file name and says what is wrong.
     */
    public static Pcm readWav(Path file) throws IOException {
        return readWav(file, Files.readAllBytes(file));
    }

    /** The chunk walk of {@link #readWav(Path)} over bytes already read; {@code file} only names them in messages. */
    static Pcm readWav(Path file, byte[] all) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 12 || b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) {
            throw new IOException(file + ": not a WAV file (no RIFF/WAVE header)");
        }
        // The RIFF size itself is not trusted: streaming writers leave it 0 or 0xFFFFFFFF. Every chunk
        // is checked against the real file length instead, so a wild size can neither loop nor overrun.
        long pos = 12;
        int format = -1;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        while (pos < all.length) {
            if (all.length - pos < 8) {
                throw new IOException(file + ": damaged WAV: " + (all.length - pos) + " stray byte(s) at offset " + pos
                        + " where a chunk header was expected (truncated file?)");
            }
            int at = (int) pos;
            int id = b.getInt(at);
            long size = b.getInt(at + 4) & 0xFFFFFFFFL;
            int body = at + 8;
            long remaining = all.length - (long) body;
            if (id == 0x61746164 && size == 0xFFFFFFFFL) {
                size = remaining; // "length unknown", as streaming writers mark it: the data runs to the end
            }
            if (size > remaining) {
                throw new IOException(file + ": damaged WAV: '" + chunkName(id) + "' chunk at offset " + at + " declares "
                        + size + " bytes but only " + remaining + " follow (truncated or corrupt file)");
            }
            if (id == 0x20746d66) { // "fmt "
                if (size < 16) {
                    throw new IOException(file + ": damaged WAV: 'fmt ' chunk is " + size + " bytes, at least 16 expected");
                }
                format = b.getShort(body) & 0xFFFF;
                channels = b.getShort(body + 2) & 0xFFFF;
                rate = b.getInt(body + 4);
                bits = b.getShort(body + 14) & 0xFFFF;
                if (format == 0xFFFE && size >= 26) { // WAVE_FORMAT_EXTENSIBLE: the sub-format's first 2 bytes
                    format = b.getShort(body + 24) & 0xFFFF;
                }
            } else if (id == 0x61746164) { // "data"
                if (format == -1) {
                    throw new IOException(file + ": damaged WAV: data chunk at offset " + at + " before any 'fmt ' chunk");
                }
                if (format != 1 || (bits != 16 && bits != 8) || channels < 1 || rate <= 0) {
                    throw new IOException(file + ": unsupported WAV encoding (format " + format + ", " + bits
                            + " bits, " + channels + " channels); use 16-bit integer PCM");
                }
                return samples(b, all, body, size, channels, bits, rate);
            }
            pos = body + size + (size & 1); // chunks are word-aligned: an odd size is followed by a pad byte
        }
        throw new IOException(file + ": damaged WAV: " + (format == -1 ? "no 'fmt ' chunk" : "no data chunk")
                + " (truncated file?)");
    }

    private static Pcm samples(ByteBuffer b, byte[] all, int body, long size, int channels, int bits, int rate) {
        int frameBytes = channels * bits / 8;
        int frames = (int) (size / frameBytes);
        short[] out = new short[frames];
        for (int i = 0; i < frames; i++) {
            int sum = 0;
            for (int c = 0; c < channels; c++) {
                int at = body + i * frameBytes + c * bits / 8;
                sum += bits == 16 ? b.getShort(at) : ((all[at] & 0xFF) - 128) << 8;
            }
            out[i] = (short) (sum / channels);
        }
        return new Pcm(rate, out);
    }

    /** A chunk id as text for messages; bytes that are not printable ASCII show as '?'. */
    private static String chunkName(int id) {
        StringBuilder s = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            int c = (id >>> (8 * i)) & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return s.toString();
    }

    /** Writes a 16-bit mono WAV. */
    public void writeWav(Path file) throws IOException {
        byte[] data = toBytes();
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x46464952).putInt(36 + data.length).putInt(0x45564157)
                .putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16)
                .putInt(0x61746164).putInt(data.length);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(h.array());
            out.write(data);
        }
    }

    /** Signed 16-bit little-endian bytes, as AudioSocket and Vosk take them. */
    public byte[] toBytes() {
        byte[] out = new byte[samples.length * 2];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().put(samples);
        return out;
    }

    public static Pcm fromBytes(int sampleRate, byte[] pcm, int length) {
        short[] s = new short[length / 2];
        ByteBuffer.wrap(pcm, 0, length).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
        return new Pcm(sampleRate, s);
    }

    /** This audio at 8 kHz, the telephone rate AudioSocket carries. */
    public Pcm toTelephony() {
        return resample(TELEPHONY_RATE);
    }

    /**
     * Band-limited resampling with a Hann-windowed sinc (cut-off just under the lower Nyquist
     * frequency), so 16 kHz speech folded to 8 kHz does not alias into the band the VAD measures.
     */
    public Pcm resample(int targetRate) {
        if (targetRate == sampleRate) {
            return this;
        }
        double ratio = (double) targetRate / sampleRate;
        double cutoff = Math.min(1.0, ratio) * 0.92;
        int halfTaps = 16;
        double support = halfTaps / cutoff;
        int span = (int) Math.ceil(support) * 2 + 2;
        int outLength = (int) Math.floor(samples.length * ratio);
        short[] out = new short[outLength];
        // Output positions fall on few distinct sub-sample phases for the usual rate pairs
        // (one for 16 kHz -> 8 kHz): compute each phase's kernel once.
        java.util.Map<Long, double[]> kernels = new java.util.HashMap<>();
        for (int i = 0; i < outLength; i++) {
            double center = i / ratio;
            int first = (int) Math.ceil(center - support);
            double phase = first - center;
            double[] w = kernels.computeIfAbsent(Math.round(phase * 1e9), k -> kernel(phase, span, cutoff, support));
            double acc = 0;
            double norm = 0;
            for (int t = 0; t < span; t++) {
                int j = first + t;
                if (j >= 0 && j < samples.length && w[t] != 0) {
                    acc += w[t] * samples[j];
                    norm += w[t];
                }
            }
            double v = norm == 0 ? 0 : acc / norm;
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
        }
        return new Pcm(targetRate, out);
    }

    /** Hann-windowed sinc weights for taps at {@code phase + t} (t = 0..span-1) from the output position. */
    private static double[] kernel(double phase, int span, double cutoff, double support) {
        double[] w = new double[span];
        for (int t = 0; t < span; t++) {
            double d = phase + t;
            if (Math.abs(d) > support) {
                continue;
            }
            double x = d * cutoff;
            double sinc = x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
            w[t] = sinc * (0.5 + 0.5 * Math.cos(Math.PI * d / support));
        }
        return w;
    }
}
