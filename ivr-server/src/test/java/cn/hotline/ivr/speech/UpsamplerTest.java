package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.media.Pcm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpsamplerTest {
    @TempDir
    Path dir;

    private static short[] tone(int rate, double hz, int n, double amplitude) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) {
            s[i] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return s;
    }

    private static short[] all(Upsampler u, byte[] pcm, int chunk) {
        short[] out = new short[0];
        for (int off = 0; off < pcm.length; off += chunk) {
            byte[] c = Arrays.copyOfRange(pcm, off, Math.min(pcm.length, off + chunk));
            out = concat(out, u.accept(c, c.length));
        }
        return concat(out, u.flush());
    }

    private static short[] concat(short[] a, short[] b) {
        short[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void doublesTheRateKeepsTheSamplesAndTheTone() {
        short[] in = tone(8000, 1000, 8000, 10000);
        short[] out = all(new Upsampler(2), new Pcm(8000, in).toBytes(), 320);
        assertEquals(16000, out.length);
        for (int i = 100; i < 7900; i++) {
            assertEquals(in[i], out[2 * i], 2.0, "original samples pass through at " + i);
        }
        // The in-between samples are the same 1 kHz tone at 16 kHz.
        short[] expected = tone(16000, 1000, 16000, 10000);
        for (int i = 200; i < 15800; i++) {
            assertEquals(expected[i], out[i], 200.0, "sample " + i);
        }
    }

    @Test
    void twentyMillisecondFramesGiveTheSameAsOneBlock() {
        byte[] pcm = new Pcm(8000, tone(8000, 440, 4000, 8000)).toBytes();
        assertArrayEquals(all(new Upsampler(2), pcm, pcm.length), all(new Upsampler(2), pcm, 320));
        assertArrayEquals(all(new Upsampler(2), pcm, pcm.length), all(new Upsampler(2), pcm, 6));
    }

    @Test
    void factorOneIsIdentity() {
        short[] in = tone(8000, 300, 1000, 5000);
        assertArrayEquals(in, all(new Upsampler(1), new Pcm(8000, in).toBytes(), 320));
        assertThrows(IllegalArgumentException.class, () -> new Upsampler(0));
    }

    @Test
    void modelRateComesFromMfccConf() throws Exception {
        assertEquals(16000, VoskRecognizer.modelSampleRate(dir));
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(dir.resolve("conf/mfcc.conf"), "--use-energy=false\n--sample-frequency=8000\n");
        assertEquals(8000, VoskRecognizer.modelSampleRate(dir));
        Files.writeString(dir.resolve("conf/mfcc.conf"), "--sample-frequency=22050\n");
        RecognizerException e = assertThrows(RecognizerException.class, () -> VoskRecognizer.load(dir));
        assertTrue(e.getMessage().contains("22050"), e.getMessage());
    }

    /**
     * mfcc.conf is read by Kaldi's ParseOptions::ReadConfigFile: '#' starts a comment, '_' in a name is
     * '-', the last setting wins. Kaldi's recipes (and models a city trains from them) write the rate
     * with a comment after it; such a model was refused as "cannot read the sample rate".
     */
    @Test
    void modelRateIsReadAsKaldiReadsItsConfigFile() throws Exception {
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(dir.resolve("conf/mfcc.conf"),
                "# telephone model\n--use-energy=false   # only non-default option.\n--sample-frequency=8000 # Switchboard is sampled at 8kHz\n");
        assertEquals(8000, VoskRecognizer.modelSampleRate(dir));
        Files.writeString(dir.resolve("conf/mfcc.conf"), "--sample_frequency=16000\n--num-mel-bins=40\n#--sample-frequency=8000\n");
        assertEquals(16000, VoskRecognizer.modelSampleRate(dir));
        Files.writeString(dir.resolve("conf/mfcc.conf"), "--sample-frequency=8000\n--sample-frequency=16000.0\n");
        assertEquals(16000, VoskRecognizer.modelSampleRate(dir));
        Files.writeString(dir.resolve("conf/mfcc.conf"), "--sample-frequency=eight\n");
        RecognizerException e = assertThrows(RecognizerException.class, () -> VoskRecognizer.modelSampleRate(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("conf/mfcc.conf") + ": --sample-frequency: "), e.getMessage());
    }
}
