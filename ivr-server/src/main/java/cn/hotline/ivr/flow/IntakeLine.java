package cn.hotline.ivr.flow;

import cn.hotline.ivr.ops.CallLog;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The callers currently describing their problem while they wait, in arrival order. When an agent
 * frees up, the caller who arrived first is taken out at once ({@code preempt} ends their capture),
 * so intake never costs anyone their place. A caller who finishes before someone who called earlier
 * waits here ({@link Place#waitForTurn()}) rather than in Asterisk's queue, where they would take
 * the next free agent from that earlier caller.
 *
 * <p>{@link #queuePriority(Instant)} turns an arrival time into Asterisk's {@code QUEUE_PRIO}
 * (higher is served first): earlier arrivals get higher priorities, so callers who leave intake at
 * different moments still reach agents in the order they called, across every node of a cluster
 * (the priority depends only on the wall-clock arrival, not on the node). It counts tenths of a
 * second: callers arriving within the same 100 ms tie and Asterisk orders them by queue entry, a
 * misorder of under 0.1 s; finer units would wrap Asterisk's 32-bit priority too soon (1 ms units
 * wrapped every 24.8 days, and at the wrap new arrivals jumped ahead of everyone already waiting).
 */
public final class IntakeLine {
    private static final Logger log = LoggerFactory.getLogger(IntakeLine.class);
    /** 2025-01-01T00:00Z: arrivals are counted in tenths of a second from here. */
    private static final long EPOCH_MILLIS = 1_735_689_600_000L;
    /** Priorities run from this value down to 1, so the count wraps after this many tenths. */
    private static final long PRIORITY_SPAN = Integer.MAX_VALUE - 1L;

    private static final class Entry {
        final String callId;
        final Instant arrived;
        final long sequence;
        final CompletableFuture<Void> turn = new CompletableFuture<>();
        boolean waiting;

        Entry(String callId, Instant arrived, long sequence) {
            this.callId = callId;
            this.arrived = arrived;
            this.sequence = sequence;
        }
    }

    /**
     * One caller's place in the line, from the start of intake until they head for the queue. Close it
     * always (in a finally): a caller who hung up must not hold back the callers behind them.
     */
    public final class Place implements AutoCloseable {
        private final Entry entry;

        private Place(Entry entry) {
            this.entry = entry;
        }

        /**
         * The caller has finished describing (or pressed a key, or said nothing) and heads for the
         * queue. Completes at once when nobody who called earlier is still in the line; otherwise when
         * they all have left it or an agent frees up for this caller. Joining the queue earlier would
         * let this caller take the next free agent from someone who called before them and is still
         * talking (Asterisk gives a freed agent to whoever is in the queue).
         */
        public CompletableFuture<Void> waitForTurn() {
            synchronized (IntakeLine.this) {
                entry.waiting = true;
                releaseWaitingHead();
            }
            return entry.turn;
        }

        public String callId() {
            return entry.callId;
        }

        @Override
        public void close() {
            synchronized (IntakeLine.this) {
                line.remove(entry);
                releaseWaitingHead();
            }
            entry.turn.complete(null);
        }
    }

    private final TreeSet<Entry> line = new TreeSet<>(
            Comparator.comparing((Entry e) -> e.arrived).thenComparingLong(e -> e.sequence));
    private final Consumer<String> preempt;
    private final boolean capturesCanBeEnded;
    private long sequence;

    /** {@code preempt} ends the capture of the call with that id (the media room sends AudioSocket 0x00). */
    public IntakeLine(Consumer<String> preempt) {
        this(preempt, true);
    }

    /**
     * {@code capturesCanBeEnded} false: the intake cannot be interrupted (RECORD FILE without an AMI
     * connection to end it), so a free agent only marks the earliest caller's turn; they reach the
     * queue when their recording ends.
     */
    public IntakeLine(Consumer<String> preempt, boolean capturesCanBeEnded) {
        this.preempt = preempt;
        this.capturesCanBeEnded = capturesCanBeEnded;
    }

    /**
     * Asterisk's {@code QUEUE_PRIO} for a caller who arrived at {@code arrived}: one step per 100 ms,
     * later arrivals lower. Asterisk's priority is a signed 32-bit int, so the count wraps after
     * 2^31-2 tenths (6.8 years): first at 2031-10-22T12:19:24.6Z; that misorders only the callers
     * waiting in the queue at that instant, by their wait at most.
     *
     * <p>The dialplan computes the same value when the server set none (dialplans/extensions.conf,
     * {@code [hotline-queue-prio]}), from a whole second {@code EPOCH}:
     * {@code $[2147483646 - ((EPOCH - 1735689600) * 10) % 2147483646]}; for an arrival at a whole
     * second both give exactly the same number. Keep the two in step.
     */
    public static int queuePriority(Instant arrived) {
        long tenths = Math.floorDiv(arrived.toEpochMilli() - EPOCH_MILLIS, 100);
        return (int) (PRIORITY_SPAN - Math.floorMod(tenths, PRIORITY_SPAN));
    }

    /** A caller starts intake: their place in the line, by arrival time. */
    public synchronized Place enter(String callId, Instant arrived) {
        Entry entry = new Entry(callId, arrived, sequence++);
        line.add(entry);
        return new Place(entry);
    }

    /**
     * An agent became free: the caller who called first among those in the line leaves it now
     * (their capture is ended, or, if they had finished already, their wait). Returns that call id.
     */
    public Optional<String> agentFreed() {
        Entry first;
        synchronized (this) {
            first = line.pollFirst();
            if (first == null) {
                return Optional.empty();
            }
            releaseWaitingHead();
        }
        // Their turn either way: also when the capture ended on its own a moment ago and the caller
        // is still on the way to waitForTurn (the draft, the transfer line).
        first.turn.complete(null);
        try (var c = CallLog.callId(first.callId)) { // runs on the AMI event thread: the line is about that call
            if (first.waiting) {
                log.info("agent free: this caller, the earliest in line, had finished describing and goes to the queue");
            } else if (capturesCanBeEnded) {
                log.info("agent free: ending the intake of this caller, the earliest in line");
                preempt.accept(first.callId);
            } else {
                log.info("agent free: this caller is recording and will reach the queue when the recording ends"
                        + " (record-file mode without AMI cannot be interrupted)");
            }
        }
        return Optional.of(first.callId);
    }

    /**
     * Nobody knows any more whether an agent is free (the AMI connection is lost): every caller in the line
     * leaves it, their captures ended, as a new caller goes straight to the queue while agents are unknown.
     * Their queue priorities keep them in order of arrival there. Returns how many left.
     */
    public int releaseAll(String why) {
        List<Entry> leaving;
        synchronized (this) {
            leaving = List.copyOf(line);
            line.clear();
        }
        for (Entry e : leaving) {
            e.turn.complete(null);
            try (var c = CallLog.callId(e.callId)) {
                if (e.waiting) {
                    log.info("{}: this caller had finished describing and goes to the queue", why);
                } else if (capturesCanBeEnded) {
                    log.info("{}: ending the intake of this caller, who goes to the queue", why);
                    preempt.accept(e.callId);
                } else {
                    log.info("{}: this caller is recording and goes to the queue when the recording ends", why);
                }
            }
        }
        return leaving.size();
    }

    /** Ends one caller's intake now (an emergency heard in their words); false if they were not in it. */
    public boolean leave(String callId) {
        boolean removed;
        synchronized (this) {
            List<Entry> leaving = line.stream().filter(e -> e.callId.equals(callId)).toList();
            leaving.forEach(e -> {
                line.remove(e);
                e.turn.complete(null);
            });
            removed = !leaving.isEmpty();
            releaseWaitingHead();
        }
        preempt.accept(callId);
        return removed;
    }

    /** Callers in the line: describing their problem, or finished and waiting for those who called earlier. */
    public synchronized int size() {
        return line.size();
    }

    /** Callers in the line who have finished describing and wait for someone who called earlier. */
    public synchronized int waiting() {
        return (int) line.stream().filter(e -> e.waiting).count();
    }

    /** Callers at the front who have finished go on: nobody who called earlier is still talking. */
    private void releaseWaitingHead() {
        while (!line.isEmpty() && line.first().waiting) {
            line.pollFirst().turn.complete(null);
        }
    }
}
