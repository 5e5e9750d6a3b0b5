package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.media.SpeechBounds;
import cn.hotline.ivr.speech.VoiceActivityDetector.Event;
import cn.hotline.ivr.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The detector on the real Mandarin clips of the shared folder, resampled to 8 kHz as Asterisk sends them. */
class VoiceActivityDetectorTest {
    private static final VadSettings SETTINGS = VadSettings.defaults();

    static List<Path> clips() throws IOException {
        Path dir = SharedData.require("audio/zh");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".wav")).sorted().toList();
        }
    }

    /** The clip at 8 kHz followed by {@code tailMs} of line noise at {@code noiseDb} dBFS (or digital silence). */
    static short[] withTail(Pcm clip8k, int tailMs, double noiseDb, long seed) {
        short[] s = clip8k.samples();
        short[] out = new short[s.length + tailMs * 8];
        Random r = new Random(seed);
        double amp = noiseDb <= -96 ? 0 : 32768 * Math.pow(10, noiseDb / 20);
        for (int i = 0; i < out.length; i++) {
            double noise = amp * r.nextGaussian();
            double v = (i < s.length ? s[i] : 0) + noise;
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
        }
        return out;
    }

    record Run(Event end, long endFrameMs, long speechStartMs, long speechEndMs, int starts) {
    }

    static Run feed(VoiceActivityDetector vad, short[] samples) {
        byte[] all = new Pcm(8000, samples).toBytes();
        int starts = 0;
        for (int off = 0; off + 320 <= all.length; off += 320) {
            byte[] frame = java.util.Arrays.copyOfRange(all, off, off + 320);
            Event e = vad.accept(frame);
            if (e == Event.SPEECH_START) {
                starts++;
            } else if (e != Event.NONE) {
                return new Run(e, (long) vad.frames() * 20, vad.speechStartMillis(), vad.speechEndMillis(), starts);
            }
        }
        return new Run(Event.NONE, -1, vad.speechStartMillis(), vad.speechEndMillis(), starts);
    }

    @Test
    void everyRealClipEndsAboutTrailingSilenceAfterItsTrueSpeechEnd() throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        long seed = 1;
        for (Path p : clips()) {
            Pcm clip = Pcm.readWav(p).toTelephony();
            SpeechBounds truth = SpeechBounds.of(clip);
            if (truth.endMillis() < 0) {
                continue; // no frame stands out of the clip's own noise: there is no true end to compare with
            }
            for (double noise : new double[] {-200, -55}) {
                Run run = feed(new VoiceActivityDetector(SETTINGS), withTail(clip, 3000, noise, seed++));
                checked++;
                long delay = run.endFrameMs() - truth.endMillis();
                long trailing = SETTINGS.trailingSilence().toMillis();
                if (run.end() != Event.END_OF_SPEECH || run.starts() != 1
                        || Math.abs(delay - trailing) > 300) {
                    failures.add(p.getFileName() + " noise " + noise + ": " + run + " truth " + truth + " delay " + delay);
                }
            }
        }
        assertTrue(checked >= 10, "too few clips: " + checked);
        // An energy detector misjudges some clips (a breath after the last word, a long pause inside
        // the sentence); the benchmark reports the distribution. More than one in five is a broken detector.
        assertTrue(failures.size() * 5 <= checked, failures.size() + " of " + checked + " wrong:\n" + String.join("\n", failures));
    }

    @Test
    void lineNoiseAloneIsNoInput() {
        VoiceActivityDetector vad = new VoiceActivityDetector(SETTINGS);
        Run run = feed(vad, withTail(new Pcm(8000, new short[0]), 8000, -45, 7));
        assertEquals(Event.NO_INPUT, run.end());
        assertEquals(SETTINGS.noInput().toMillis(), run.endFrameMs());
        assertEquals(0, run.starts());
    }

    @Test
    void framesDuringThePromptDoNotCountTowardsNoInput() {
        VoiceActivityDetector vad = new VoiceActivityDetector(SETTINGS);
        byte[] silence = new byte[320];
        for (int i = 0; i < 1000; i++) {
            assertEquals(Event.NONE, vad.accept(silence, false));
        }
        assertEquals(Event.NONE, vad.accept(silence, true));
    }

    @Test
    void longSpeechIsCutAtTheMaximumUtterance() throws IOException {
        Pcm clip = Pcm.readWav(clips().get(0)).toTelephony();
        VadSettings shortMax = SETTINGS.with(null, null, Duration.ofMillis(1000));
        Run run = feed(new VoiceActivityDetector(shortMax), withTail(clip, 1000, -200, 3));
        assertEquals(Event.MAX_UTTERANCE, run.end());
        assertEquals(1000, run.endFrameMs() - run.speechStartMs());
    }

    @Test
    void aLongerTrailingSilenceEndsLater() throws IOException {
        Pcm clip = Pcm.readWav(clips().get(1)).toTelephony();
        Run shortRun = feed(new VoiceActivityDetector(SETTINGS.with(null, Duration.ofMillis(500), null)), withTail(clip, 3000, -200, 4));
        Run longRun = feed(new VoiceActivityDetector(SETTINGS.with(null, Duration.ofMillis(1500), null)), withTail(clip, 3000, -200, 4));
        assertEquals(Event.END_OF_SPEECH, shortRun.end());
        assertEquals(Event.END_OF_SPEECH, longRun.end());
        assertEquals(1000, longRun.endFrameMs() - shortRun.endFrameMs(), 100);
    }

    /** Sums of sines, {@code ms} long, each at {@code db} dBFS peak. */
    static short[] tones(int ms, double db, double... hz) {
        short[] out = new short[ms * 8];
        double amp = 32768 * Math.pow(10, db / 20) / hz.length;
        for (int i = 0; i < out.length; i++) {
            double v = 0;
            for (double f : hz) {
                v += amp * Math.sin(2 * Math.PI * f * i / 8000);
            }
            out[i] = (short) Math.round(v);
        }
        return out;
    }

    static short[] concat(short[]... parts) {
        int n = 0;
        for (short[] p : parts) {
            n += p.length;
        }
        short[] out = new short[n];
        int at = 0;
        for (short[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void rumbleAfterTheLastWordDoesNotHoldTheUtteranceOpen() {
        short[] voice = tones(1000, -20, 220, 660, 1400);
        // Handling rumble as in some real clips after the last word: about -38 dBFS RMS in full band,
        // loud enough to count as voice on level alone, but almost nothing above 110 Hz.
        short[] hum = tones(1000, -35, 30);
        Run withHum = feed(new VoiceActivityDetector(SETTINGS), concat(tones(500, -200), voice, hum, tones(2000, -200)));
        assertEquals(Event.END_OF_SPEECH, withHum.end());
        assertEquals(1500, withHum.speechEndMs(), 40, withHum.toString());
        assertEquals(1500 + SETTINGS.trailingSilence().toMillis(), withHum.endFrameMs(), 40, withHum.toString());
    }

    @Test
    void aLowVoiceStillContinuesTheUtterance() {
        // A deep voice's fundamental is near 100 Hz, but its harmonics carry it above the high-pass.
        short[] deepVoice = tones(1000, -20, 95, 190, 285, 380);
        Run run = feed(new VoiceActivityDetector(SETTINGS),
                concat(tones(500, -200), tones(1000, -20, 220, 660, 1400), deepVoice, tones(2000, -200)));
        assertEquals(Event.END_OF_SPEECH, run.end());
        assertEquals(2500, run.speechEndMs(), 40, run.toString());
    }

    @Test
    void levelOfFullScaleSquareWaveIsZeroDb() {
        byte[] pcm = new byte[320];
        for (int i = 0; i < 160; i++) {
            short v = (short) (i % 2 == 0 ? 32767 : -32768);
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        assertEquals(0, VoiceActivityDetector.levelDb(pcm, 0, 320), 0.01);
        assertEquals(-96, VoiceActivityDetector.levelDb(new byte[320], 0, 320), 0.01);
    }
}
