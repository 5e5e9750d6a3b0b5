package cn.hotline.ivr.speech;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Preemptions that arrived before the call's capture was registered (an agent freed up while Asterisk
 * still played the invitation): the capture looks here when it starts. Kept two minutes, longer than
 * any invitation, so a caller who hung up before capturing leaves nothing behind for long.
 *
 * <p>An intake that says when a capture has ended ({@link #captureEnded}) also has preemptions that
 * come after it dropped: the caller is on the way to the queue already, and remembering one would end
 * the call's next capture at once, with none of its words. Entries are kept in arrival order and the
 * expired ones are dropped from the front on every change, so thousands of calls cost a bounded map
 * and constant work per call.
 */
final class EarlyPreemptions {
    private static final long TTL_NANOS = TimeUnit.MINUTES.toNanos(2);

    /** {@code ended}: the call's capture ended, so a later preemption is too late rather than early. */
    private record Entry(boolean ended, long at) {
    }

    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private final LongSupplier nanoTime;

    EarlyPreemptions() {
        this(System::nanoTime);
    }

    /** {@code nanoTime}: a monotonic clock ({@link System#nanoTime()} outside tests of the expiry). */
    EarlyPreemptions(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Remembers a preemption for the call's coming capture; false when its capture has just ended instead. */
    synchronized boolean remember(String callId) {
        long now = nanoTime.getAsLong();
        expire(now);
        Entry e = entries.get(callId);
        if (e != null && e.ended()) {
            return false;
        }
        put(callId, new Entry(false, now));
        return true;
    }

    /** Whether the call was preempted before its capture started; forgets it (and any earlier capture's end). */
    synchronized boolean take(String callId) {
        Entry e = entries.remove(callId);
        return e != null && !e.ended();
    }

    /** The call's capture ended: a preemption arriving from now on is for a capture that is over. */
    synchronized void captureEnded(String callId) {
        long now = nanoTime.getAsLong();
        expire(now);
        put(callId, new Entry(true, now));
    }

    /** Calls remembered, early preemptions and ended captures together. */
    synchronized int size() {
        return entries.size();
    }

    private void put(String callId, Entry e) {
        entries.remove(callId); // to the back: the map stays in time order
        entries.put(callId, e);
    }

    private void expire(long now) {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext() && now - it.next().getValue().at() > TTL_NANOS) {
            it.remove();
        }
    }
}
