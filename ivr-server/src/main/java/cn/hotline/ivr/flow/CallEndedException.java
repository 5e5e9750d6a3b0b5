package cn.hotline.ivr.flow;

/** The caller hung up (or Asterisk went away): the call is over, the flow unwinds and records what it has. */
public final class CallEndedException extends Exception {
    public CallEndedException(String message) {
        super(message);
    }

    public CallEndedException(String message, Throwable cause) {
        super(message, cause);
    }
}
