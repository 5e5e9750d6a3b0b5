package cn.hotline.ivr.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
