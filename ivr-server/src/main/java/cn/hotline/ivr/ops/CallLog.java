package cn.hotline.ivr.ops;

import org.slf4j.MDC;

/**
 * The call id on every log line ({@code %X{callId}}). Unlike {@code MDC.putCloseable}, closing a scope
 * puts back the id that was there before: an intake opened inside a call's scope on the same thread
 * must not leave the rest of that call's lines without an id.
 */
public final class CallLog {
    public static final String KEY = "callId";

    /** Restores the previous call id (or none) when closed. */
    public static final class Scope implements AutoCloseable {
        private final String previous;

        private Scope(String previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (previous == null) {
                MDC.remove(KEY);
            } else {
                MDC.put(KEY, previous);
            }
        }
    }

    private CallLog() {
    }

    public static Scope callId(String callId) {
        String previous = MDC.get(KEY);
        MDC.put(KEY, callId);
        return new Scope(previous);
    }
}
