package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.media.Pcm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The offline detector evaluation on synthetic "speech" whose true end is known to the sample. */
class VadEvaluationTest {
    private static final int RATE = Pcm.TELEPHONY_RATE;

    /** A 220 Hz tone at {@code db} dBFS (RMS) for {@code ms}, appended to {@code into} from sample {@code at}. */
    private static void tone(short[] into, int atMs, int ms, double db) {
        double amplitude = Math.pow(10, db / 20) * 32768 * Math.sqrt(2);
        for (int i = atMs * RATE / 1000; i < (atMs + ms) * RATE / 1000; i++) {
            into[i] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * 220 * i / RATE));
        }
    }

    private static VadEvaluation.Clip one(short[] samples, VadSettings vad) {
        VadEvaluation.Report r = VadEvaluation.run(List.of(new VadEvaluation.Input("synthetic", new Pcm(RATE, samples))),
                vad, new VadEvaluation.Conditions(null, 3000, 1));
        assertEquals(1, r.perClip().size());
        return r.perClip().get(0);
    }

    @Test
    void aCleanEndIsDecidedTheTrailingSilenceAfterIt() {
        short[] s = new short[RATE * 2];
        tone(s, 300, 1000, -20);
        VadEvaluation.Clip c = one(s, VadSettings.defaults());
        assertEquals("END_OF_SPEECH", c.outcome());
        assertEquals(1300, c.trueEndMs());
        assertTrue(c.overTrailingMs() >= 0 && c.overTrailingMs() <= 20, c.toString());
    }

    @Test
    void aPauseLongerThanTheTrailingSilenceIsReportedAsACutOff() {
        short[] s = new short[RATE * 4];
        tone(s, 300, 800, -20);
        tone(s, 2300, 800, -20);
        VadEvaluation.Clip c = one(s, VadSettings.defaults());
        assertEquals("CUT_OFF", c.outcome());
        assertTrue(c.decisionMs() < c.trueEndMs(), c.toString());
        VadEvaluation.Report withLongerWait = VadEvaluation.run(List.of(new VadEvaluation.Input("x", new Pcm(RATE, s))),
                VadSettings.defaults().with(null, Duration.ofMillis(1500), null), new VadEvaluation.Conditions(null, 3000, 1));
        assertEquals(0, withLongerWait.summary().cutOff());
        assertEquals(1, withLongerWait.summary().ended());
    }

    @Test
    void theReleaseMarginEndsAFadingTailSooner() {
        // A word at -20 dBFS, then a soft tail at -45 dBFS (the true end by the reference is the
        // word; the tail is 25 dB under it, near the detector's threshold over the -58 dBFS floor).
        short[] s = new short[RATE * 3];
        tone(s, 0, 500, -58);
        tone(s, 500, 800, -20);
        tone(s, 1300, 400, -45);
        VadSettings plain = VadSettings.defaults();
        VadSettings strict = new VadSettings(plain.noInput(), plain.trailingSilence(), plain.maxUtterance(),
                plain.speechStart(), plain.thresholdDb(), plain.minLevelDb(), 4);
        VadEvaluation.Clip loose = one(s, plain);
        VadEvaluation.Clip tight = one(s, strict);
        assertEquals("END_OF_SPEECH", loose.outcome());
        assertEquals("END_OF_SPEECH", tight.outcome());
        assertTrue(tight.decisionMs() < loose.decisionMs(), tight + " vs " + loose);
    }

    @Test
    void noiseIsMixedOverTheWholeStreamAndSilentClipsAreSkipped() {
        short[] s = new short[RATE * 2];
        tone(s, 300, 1000, -20);
        VadEvaluation.Report r = VadEvaluation.run(List.of(
                        new VadEvaluation.Input("speech", new Pcm(RATE, s)),
                        new VadEvaluation.Input("silence", new Pcm(RATE, new short[RATE]))),
                VadSettings.defaults(), new VadEvaluation.Conditions(-60.0, 3000, 7));
        assertEquals(1, r.summary().clips());
        assertEquals(1, r.summary().skipped());
        assertEquals(-60.0, r.summary().noiseDb());
        assertEquals("END_OF_SPEECH", r.perClip().get(0).outcome());
    }
}
