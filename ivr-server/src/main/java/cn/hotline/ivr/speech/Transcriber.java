package cn.hotline.ivr.speech;

import cn.hotline.ivr.media.Pcm;
import java.util.List;

/** Batch recognition of audio already in memory (recordings, the transcribe and eval commands). */
public final class Transcriber {
    /** Chunk fed to the engine at once: 100 ms, the size Vosk's own examples use for files. */
    private static final int CHUNK_BYTES = 1600;

    private Transcriber() {
    }

    /** The whole transcript of {@code audio} (resampled to 8 kHz when needed). */
    public static SpeechRecognizer.Transcript transcribe(SpeechRecognizer recognizer, Pcm audio, List<String> phrases)
            throws RecognizerException {
        byte[] pcm = audio.toTelephony().toBytes();
        try (SpeechRecognizer.Stream s = recognizer.open(phrases)) {
            byte[] chunk = new byte[CHUNK_BYTES];
            for (int off = 0; off < pcm.length; off += CHUNK_BYTES) {
                int n = Math.min(CHUNK_BYTES, pcm.length - off);
                System.arraycopy(pcm, off, chunk, 0, n);
                s.accept(chunk, n);
            }
            return s.finish();
        }
    }

    /**
     * Character error rate of {@code hypothesis} against {@code reference}: edit distance over the
     * characters that carry meaning (whitespace and punctuation ignored), divided by the reference length.
     */
    public static double cer(String reference, String hypothesis) {
        int[] ref = meaningful(reference);
        int[] hyp = meaningful(hypothesis);
        if (ref.length == 0) {
            return hyp.length == 0 ? 0 : 1;
        }
        int[] prev = new int[hyp.length + 1];
        int[] cur = new int[hyp.length + 1];
        for (int j = 0; j <= hyp.length; j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= ref.length; i++) {
            cur[0] = i;
            for (int j = 1; j <= hyp.length; j++) {
                int sub = prev[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[hyp.length] / (double) ref.length;
    }

    private static int[] meaningful(String s) {
        return s.codePoints().filter(Character::isLetterOrDigit).toArray();
    }
}
