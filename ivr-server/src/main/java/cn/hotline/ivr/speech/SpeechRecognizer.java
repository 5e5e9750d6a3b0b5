package cn.hotline.ivr.speech;

import java.util.List;

/**
 * A streaming speech recognizer: 8 kHz signed 16-bit little-endian audio in; partial results, a
 * final result with confidence, and the engine's own end-of-utterance hints out. Implementations
 * share their heavy model across calls and open one light {@link Stream} per call.
 */
public interface SpeechRecognizer extends AutoCloseable {

    /** Whether new streams can be opened, and why not. */
    Health health();

    /**
     * Opens one call's stream. {@code phrases} restricts recognition to those phrases (short answers
     * such as yes/no or district names); empty means free speech.
     */
    Stream open(List<String> phrases) throws RecognizerException;

    /** Releases the shared model. Streams still open must be closed first. */
    @Override
    void close();

    record Health(boolean ok, String detail) {
        public static Health up(String detail) {
            return new Health(true, detail);
        }

        public static Health down(String detail) {
            return new Health(false, detail);
        }
    }

    /** What one chunk of audio changed. {@code text} is everything recognised so far, finished segments plus the partial. */
    record Update(String text, boolean segmentEnded) {
    }

    /** The final result: the whole transcript and its confidence (0..1, 0 when unknown). */
    record Transcript(String text, double confidence) {
        public static final Transcript EMPTY = new Transcript("", 0);
    }

    /** One call's recognition. Used by one thread at a time; always closed. */
    interface Stream extends AutoCloseable {
        Update accept(byte[] pcm, int length) throws RecognizerException;

        /** Flushes the engine and returns the whole transcript. The stream stays open until closed. */
        Transcript finish() throws RecognizerException;

        @Override
        void close();
    }
}
