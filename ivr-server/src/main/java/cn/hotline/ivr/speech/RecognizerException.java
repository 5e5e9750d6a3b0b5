package cn.hotline.ivr.speech;

/** The recognizer could not load its model or failed on a stream; the message says what to do. */
public final class RecognizerException extends Exception {
    public RecognizerException(String message) {
        super(message);
    }

    public RecognizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
