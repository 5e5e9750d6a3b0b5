package cn.hotline.ivr.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcmTest {
    @TempDir
    Path dir;

    private static short[] tone(int rate, double hz, double seconds, double amplitude) {
        short[] s = new short[(int) (rate * seconds)];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return s;
    }

    private static double rms(short[] s, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) s[i] * s[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    @Test
    void wavRoundTrip() throws IOException {
        Pcm p = new Pcm(8000, new short[] {0, 1, -1, 32767, -32768});
        Path f = dir.resolve("a.wav");
        p.writeWav(f);
        Pcm back = Pcm.readWav(f);
        assertEquals(8000, back.sampleRate());
        assertArrayEquals(p.samples(), back.samples());
        assertEquals(44 + 10, Files.size(f));
    }

    @Test
    void notAWavIsAClearError() throws IOException {
        Path f = dir.resolve("b.wav");
        Files.writeString(f, "hello, not audio");
        IOException e = assertThrows(IOException.class, () -> Pcm.readWav(f));
        assertTrue(e.getMessage().contains("not a WAV"), e.getMessage());
    }

    /** RIFF/WAVE bytes: the header, then each chunk given as id and body (a pad byte follows an odd body). */
    private static byte[] riff(Object... idAndBody) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(100).put("WAVE".getBytes());
        for (int i = 0; i < idAndBody.length; i += 2) {
            byte[] body = (byte[]) idAndBody[i + 1];
            b.put(((String) idAndBody[i]).getBytes()).putInt(body.length).put(body);
            if (body.length % 2 == 1) {
                b.put((byte) 0);
            }
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private static byte[] fmt16(int rate) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 1).putShort((short) 1)
                .putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16).array();
    }

    private String damaged(byte[] bytes) throws IOException {
        Path f = dir.resolve("bad.wav");
        Files.write(f, bytes);
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(IOException.class, () -> Pcm.readWav(f)));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void hugeChunkSizeIsAnErrorNotAnEndlessLoop() throws IOException {
        byte[] loop = riff("JUNK", new byte[16]);
        ByteBuffer.wrap(loop).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 0xFFFFFFF8);
        String m = damaged(loop);
        assertTrue(m.contains("'JUNK' chunk at offset 12 declares 4294967288 bytes but only 16 follow"), m);
    }

    @Test
    void truncatedOrShortHeadersAreClearErrors() throws IOException {
        byte[] whole = riff("fmt ", fmt16(8000), "data", new byte[4]);
        assertTrue(damaged(java.util.Arrays.copyOf(whole, 20)).contains("'fmt ' chunk at offset 12 declares 16 bytes but only 0 follow"));
        assertTrue(damaged(java.util.Arrays.copyOf(whole, 38)).contains("stray byte(s) at offset 36"));
        assertTrue(damaged(riff("fmt ", new byte[4])).contains("'fmt ' chunk is 4 bytes, at least 16 expected"));
        assertTrue(damaged(riff("fmt ", fmt16(8000))).contains("no data chunk"));
        assertTrue(damaged(riff("LIST", new byte[3])).contains("no 'fmt ' chunk"));
        assertTrue(damaged(riff("data", new byte[4], "fmt ", fmt16(8000))).contains("before any 'fmt ' chunk"));
        byte[] cut = riff("fmt ", fmt16(8000), "data", new byte[0]);
        ByteBuffer.wrap(cut).order(ByteOrder.LITTLE_ENDIAN).putInt(40, 1000);
        assertTrue(damaged(cut).contains("'data' chunk at offset 36 declares 1000 bytes but only 0 follow"));
    }

    @Test
    void oddChunksArePaddedAndStreamingDataLengthRunsToTheEnd() throws IOException {
        Path f = dir.resolve("odd.wav");
        Files.write(f, riff("LIST", new byte[3], "fmt ", fmt16(16000), "data", new byte[] {1, 0, 2, 0}));
        Pcm p = Pcm.readWav(f);
        assertEquals(16000, p.sampleRate());
        assertArrayEquals(new short[] {1, 2}, p.samples());
        byte[] streaming = riff("fmt ", fmt16(8000), "data", new byte[] {5, 0, 6, 0});
        ByteBuffer.wrap(streaming).order(ByteOrder.LITTLE_ENDIAN).putInt(40, 0xFFFFFFFF);
        Files.write(f, streaming);
        assertArrayEquals(new short[] {5, 6}, Pcm.readWav(f).samples());
    }

    @Test
    void downsamplingKeepsSpeechBandAndRemovesWhatWouldAlias() {
        // 1 kHz passes; 6 kHz (above the new 4 kHz Nyquist) must not fold back as 2 kHz.
        Pcm pass = new Pcm(16000, tone(16000, 1000, 1, 10000)).toTelephony();
        Pcm stop = new Pcm(16000, tone(16000, 6000, 1, 10000)).toTelephony();
        assertEquals(8000, pass.samples().length);
        assertEquals(10000 / Math.sqrt(2), rms(pass.samples(), 100, 7900), 300);
        assertTrue(rms(stop.samples(), 100, 7900) < 300, "alias level " + rms(stop.samples(), 100, 7900));
    }

    @Test
    void oddRatesResampleToo() {
        Pcm p = new Pcm(44100, tone(44100, 440, 0.5, 8000)).toTelephony();
        assertEquals(4000, p.samples().length);
        assertEquals(8000 / Math.sqrt(2), rms(p.samples(), 100, 3900), 300);
    }
}
