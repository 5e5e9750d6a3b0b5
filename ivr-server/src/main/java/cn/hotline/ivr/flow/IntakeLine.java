package cn.hotline.ivr.flow;

import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The callers currently describing their problem while they wait, in arrival order. When an agent
 * frees up, the caller who arrived first is taken out at once ({@code preempt} ends their capture),
 * so intake never costs anyone their place.
 *
 * <p>{@link #queuePriority(Instant)} turns an arrival time into Asterisk's {@code QUEUE_PRIO}
 * (higher is served first): earlier arrivals get higher priorities, so callers who leave intake at
 * different moments still reach agents in the order they called, across every node of a cluster
 * (the priority depends only on the wall-clock arrival, not on the node). It counts milliseconds:
 * two callers a fraction of a second apart must not tie (at a million calls a day, several arrive in
 * the same tenth of a second), or Asterisk would order them by who finished describing first.
 */
public final class IntakeLine {
    private static final Logger log = LoggerFactory.getLogger(IntakeLine.class);
    /** 2025-01-01T00:00Z: arrivals are counted in milliseconds from here. */
    private static final long EPOCH_MILLIS = 1_735_689_600_000L;

    private record Entry(String callId, Instant arrived, long sequence) {
    }

    private final ConcurrentSkipListSet<Entry> waiting = new ConcurrentSkipListSet<>(
            Comparator.comparing(Entry::arrived).thenComparingLong(Entry::sequence));
    private final Consumer<String> preempt;
    private long sequence;

    /** {@code preempt} ends the capture of the call with that id (the media room sends AudioSocket 0x00). */
    public IntakeLine(Consumer<String> preempt) {
        this.preempt = preempt;
    }

    public static int queuePriority(Instant arrived) {
        // Asterisk's priority is a signed 32-bit int, so the count wraps every 24.8 days; that misorders
        // only the callers waiting in the queue at the instant of the wrap, by their wait at most.
        long millis = Math.floorMod(arrived.toEpochMilli() - EPOCH_MILLIS, (long) Integer.MAX_VALUE - 1);
        return (int) (Integer.MAX_VALUE - 1 - millis);
    }

    /** A caller starts intake; closing the handle (always, in a finally) takes them out of the line. */
    public AutoCloseable enter(String callId, Instant arrived) {
        Entry entry;
        synchronized (this) {
            entry = new Entry(callId, arrived, sequence++);
        }
        waiting.add(entry);
        return () -> waiting.remove(entry);
    }

    /** An agent became free: the longest-waiting caller in intake leaves it now. Returns that call id. */
    public Optional<String> agentFreed() {
        Entry first = waiting.pollFirst();
        if (first == null) {
            return Optional.empty();
        }
        log.info("agent free: ending intake of the earliest caller {}", first.callId());
        preempt.accept(first.callId());
        return Optional.of(first.callId());
    }

    /** Ends one caller's intake now (an emergency heard in their words); false if they were not in it. */
    public boolean leave(String callId) {
        boolean removed = waiting.removeIf(e -> e.callId().equals(callId));
        preempt.accept(callId);
        return removed;
    }

    public int size() {
        return waiting.size();
    }
}
