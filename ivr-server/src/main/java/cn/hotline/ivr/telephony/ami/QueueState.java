package cn.hotline.ivr.telephony.ami;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Members and waiting callers of each queue, as AMI events and QueueStatus lists report them.
 *
 * <p>Written by one thread only (the AMI event thread: events and QueueStatus results arrive there in
 * stream order, so a snapshot never overwrites a newer event); read by any thread. Every update is a
 * few map operations, so the event thread never waits here. Updates return the members that became
 * free, so the caller can notify listeners elsewhere.
 */
public final class QueueState {
    private final Map<String, QueueView> queues = new ConcurrentHashMap<>();
    /** Each queue's wrapuptime in seconds (queues.conf; AMI does not report it). */
    private final java.util.function.ToIntFunction<String> queueWrapup;
    /** The clock wrap-up ends are compared with, epoch seconds. */
    private final java.util.function.LongSupplier epochSeconds;

    public QueueState() {
        this(q -> 0, () -> System.currentTimeMillis() / 1000);
    }

    public QueueState(java.util.function.ToIntFunction<String> queueWrapup, java.util.function.LongSupplier epochSeconds) {
        this.queueWrapup = queueWrapup;
        this.epochSeconds = epochSeconds;
    }

    /** Would app_queue ring {@code m} now (device, pause, call, and wrap-up)? */
    public boolean available(MemberState m) {
        return m.availableAt(epochSeconds.getAsLong(), queueWrapup.applyAsInt(m.queue()));
    }

    /** Epoch second at which {@code m}'s wrap-up ends, or 0 when it has none. */
    public long wrapupEndsAt(MemberState m) {
        return m.wrapupEndsAt(queueWrapup.applyAsInt(m.queue()));
    }

    /** The member as last reported, if known. */
    public Optional<MemberState> member(String queue, String iface) {
        QueueView v = queues.get(queue);
        return v == null ? Optional.empty() : Optional.ofNullable(v.members.get(iface));
    }

    private static final class QueueView {
        final Map<String, MemberState> members = new ConcurrentHashMap<>();
        final Map<String, WaitingCaller> callers = new ConcurrentHashMap<>();
        /** callId → System.nanoTime() deadline: callers on their way into the queue, holding a free member. */
        final Map<String, Long> reserved = new ConcurrentHashMap<>();
        volatile boolean synced;
    }

    private QueueView view(String queue) {
        return queues.computeIfAbsent(queue, q -> new QueueView());
    }

    /** A member's new status; returns it when it just became free. */
    public Optional<MemberState> member(MemberState m) {
        MemberState before = view(m.queue()).members.get(m.iface());
        // Events about Local members always say InCall 0; keep the in-call mark AgentConnect set
        // until AgentComplete clears it, unless the member is reported free again.
        boolean keepInCall = before != null && before.inCall() && !m.inCall() && m.status() != MemberState.NOT_INUSE;
        MemberState now = keepInCall ? m.withInCall(true) : m;
        // The call's end seen in AgentComplete counts until an event reports a later LastCall.
        return put(before == null ? now : now.withLastCall(before.lastCall()));
    }

    /** Both judged now: a member whose wrap-up ended meanwhile was already reported by its wrap-up timer. */
    private Optional<MemberState> put(MemberState now) {
        MemberState before = view(now.queue()).members.put(now.iface(), now);
        return available(now) && (before == null || !available(before)) ? Optional.of(now) : Optional.empty();
    }

    /** AgentComplete: the call ended now, and app_queue starts the member's wrap-up (update_queue sets lastcall). */
    public Optional<MemberState> callEnded(String queue, String iface) {
        MemberState before = view(queue).members.get(iface);
        if (before == null) {
            return Optional.empty();
        }
        return put(before.withInCall(false).withLastCall(epochSeconds.getAsLong()));
    }

    public void memberRemoved(String queue, String iface) {
        view(queue).members.remove(iface);
    }

    /** AgentConnect / AgentComplete: the member is, or is no longer, talking to a queue caller. */
    public Optional<MemberState> inCall(String queue, String iface, boolean inCall) {
        MemberState before = view(queue).members.get(iface);
        if (before == null) {
            return Optional.empty();
        }
        return put(before.withInCall(inCall));
    }

    /**
     * Holds a free member for {@code callId}, which is leaving intake for the queue, until its
     * QueueCallerJoin arrives, it is released, or {@code holdNanos} pass (whichever comes first).
     */
    public void reserve(String queue, String callId, long holdNanos) {
        view(queue).reserved.put(callId, System.nanoTime() + holdNanos);
    }

    public void release(String queue, String callId) {
        view(queue).reserved.remove(callId);
    }

    /** The callers holding a reservation that is still running. */
    public Set<String> reservedCallers(String queue) {
        QueueView v = queues.get(queue);
        if (v == null) {
            return Set.of();
        }
        long now = System.nanoTime();
        v.reserved.values().removeIf(deadline -> deadline - now < 0);
        return Set.copyOf(v.reserved.keySet());
    }

    /** Reservations still running. */
    public int reservations(String queue) {
        QueueView v = queues.get(queue);
        if (v == null) {
            return 0;
        }
        long now = System.nanoTime();
        v.reserved.values().removeIf(deadline -> deadline - now < 0);
        return v.reserved.size();
    }

    /** QueueCallerJoin: callers at or behind the new position move back by one. */
    public void callerJoined(WaitingCaller c) {
        QueueView v = view(c.queue());
        v.reserved.remove(c.callId());
        v.callers.replaceAll((id, w) -> w.position() >= c.position() ? w.at(w.position() + 1) : w);
        v.callers.put(c.callId(), c);
    }

    /** QueueCallerLeave: callers behind the leaver move up by one. */
    public Optional<WaitingCaller> callerLeft(String queue, String callId) {
        QueueView v = view(queue);
        WaitingCaller gone = v.callers.remove(callId);
        if (gone != null) {
            v.callers.replaceAll((id, w) -> w.position() > gone.position() ? w.at(w.position() - 1) : w);
        }
        return Optional.ofNullable(gone);
    }

    /** AgentCalled (true) or AgentRingNoAnswer (false): whether a member is being rung for the caller. */
    public void callerRinging(String queue, String callId, boolean ringing) {
        view(queue).callers.computeIfPresent(callId, (id, w) -> w.ringing(ringing));
    }

    /** A complete QueueStatus list: replaces what events built up; returns members that became free. */
    public List<MemberState> replace(String queue, List<MemberState> members, List<WaitingCaller> callers) {
        QueueView v = view(queue);
        List<MemberState> freed = new ArrayList<>();
        for (MemberState m : members) {
            MemberState before = v.members.get(m.iface());
            if (available(m) && (before == null || !available(before))) {
                freed.add(m);
            }
        }
        v.members.keySet().retainAll(members.stream().map(MemberState::iface).toList());
        members.forEach(m -> v.members.put(m.iface(), m));
        Map<String, WaitingCaller> known = Map.copyOf(v.callers);
        v.callers.clear();
        for (WaitingCaller c : callers) {
            WaitingCaller old = known.get(c.callId());
            v.callers.put(c.callId(), old == null ? c
                    : new WaitingCaller(c.queue(), c.callId(), c.channel(), c.callerNumber(), c.position(), old.since(),
                    old.ringing()));
        }
        v.synced = true;
        return freed;
    }

    /** The connection is gone: nothing we knew is reliable any more. */
    public void clear() {
        queues.clear();
    }

    /** True once a QueueStatus list for {@code queue} has been applied since the last {@link #clear()}. */
    public boolean synced(String queue) {
        QueueView v = queues.get(queue);
        return v != null && v.synced;
    }

    public List<MemberState> members(String queue) {
        QueueView v = queues.get(queue);
        if (v == null) {
            return List.of();
        }
        return v.members.values().stream().sorted(Comparator.comparing(MemberState::iface)).toList();
    }

    /** Waiting callers in queue order. */
    public List<WaitingCaller> callers(String queue) {
        QueueView v = queues.get(queue);
        if (v == null) {
            return List.of();
        }
        return v.callers.values().stream().sorted(Comparator.comparingInt(WaitingCaller::position)).toList();
    }

    /** Members app_queue would ring now (see {@link #available}). */
    public int freeMembers(String queue) {
        QueueView v = queues.get(queue);
        return v == null ? 0 : (int) v.members.values().stream().filter(this::available).count();
    }

    public int callersWaiting(String queue) {
        QueueView v = queues.get(queue);
        return v == null ? 0 : v.callers.size();
    }

    /** Waiting callers no member is ringing for yet: each will take the next member that frees up. */
    public int callersUnassigned(String queue) {
        QueueView v = queues.get(queue);
        return v == null ? 0 : (int) v.callers.values().stream().filter(w -> !w.ringing()).count();
    }
}
