package cn.hotline.ivr.speech;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Preemptions that arrived before the call's capture was registered (an agent freed up while Asterisk
 * still played the invitation): the capture looks here when it starts. Kept two minutes, longer than
 * any invitation, so a caller who hung up before capturing leaves nothing behind for long.
 */
final class EarlyPreemptions {
    private static final long TTL_NANOS = TimeUnit.MINUTES.toNanos(2);
    private final Map<String, Long> early = new ConcurrentHashMap<>();

    void remember(String callId) {
        long now = System.nanoTime();
        early.values().removeIf(t -> now - t > TTL_NANOS);
        early.put(callId, now);
    }

    /** Whether the call was preempted early; forgets it. */
    boolean take(String callId) {
        return early.remove(callId) != null;
    }
}
