package cn.hotline.ivr.media;

/** The peer broke the AudioSocket framing rules; the connection is closed, nothing else is disturbed. */
public final class AudioSocketProtocolException extends RuntimeException {
    public AudioSocketProtocolException(String message) {
        super(message);
    }
}
