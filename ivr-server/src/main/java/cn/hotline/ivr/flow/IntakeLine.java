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
 * (the priority depends only on the wall-clock arrival, not on the node).
 */
public final class IntakeLine {
    private static final Logger log = LoggerFactory.getLogger(IntakeLine.class);
    /** 2023-11-14: arrivals are counted in seconds from here, so priorities stay positive for decades. */
    private static final long EPOCH_SECONDS = 1_700_000_000L;
    private static final int PRIORITY_CEILING = 1_000_000_000;

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
        long seconds = arrived.getEpochSecond() - EPOCH_SECONDS;
        return (int) Math.max(1, PRIORITY_CEILING - seconds);
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
