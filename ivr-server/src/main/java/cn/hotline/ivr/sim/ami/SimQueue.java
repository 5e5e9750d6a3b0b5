package cn.hotline.ivr.sim.ami;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One app_queue queue as Asterisk 22 runs it ({@code strategy = rrmemory}, {@code autofill = yes},
 * {@code ringinuse = no}): callers ordered by QUEUE_PRIO then arrival, each free member rung in turn,
 * answer after the ring time, hang-up after the talk time. Every state change is reported through
 * the {@link Sink} with Asterisk's event names, header names and header order (see the transcripts).
 *
 * <p>All methods are called with the simulator's lock held, so events leave in one consistent order.
 */
final class SimQueue {
    static final int NOT_INUSE = 1;
    static final int INUSE = 2;
    static final int RINGING = 6;
    private static final int SERVICE_LEVEL_S = 20;

    /** Receives each event as it happens. */
    interface Sink {
        void event(String eventClass, AmiMessage event);
    }

    /** A static member such as {@code Local/agent1@agents} (Alice). */
    static final class Member {
        final String iface;
        final String name;
        final long loginTime;
        int status = NOT_INUSE;
        boolean paused;
        String pausedReason = "";
        int callsTaken;
        long lastCall;
        /** nanos() when the last call ended (0: none): the wrap-up runs from here. */
        long lastCallNanos;
        long lastPause;
        Caller call;
        /** False: rings until the queue's timeout, then AgentRingNoAnswer (like an agent away from the desk). */
        boolean answers = true;

        Member(String iface, String name, long loginTime) {
            this.iface = iface;
            this.name = name;
            this.loginTime = loginTime;
        }

        boolean local() {
            return iface.startsWith("Local/");
        }

        boolean free() {
            return status == NOT_INUSE && !paused && call == null;
        }
    }

    enum CallerState { WAITING, RINGING, TALKING }

    /** A caller channel inside Queue(). */
    static final class Caller {
        final String uniqueid;
        final String linkedid;
        final String channel;
        final String number;
        final String name;
        final int prio;
        final long seq;
        final long joinedNanos;
        final int originalPosition;
        final Map<String, String> variables = new LinkedHashMap<>();
        CallerState state = CallerState.WAITING;
        Member member;
        String destChannel;
        String destUniqueid;
        long ringStartNanos;
        long connectedNanos;
        long retryUntilNanos;
        ScheduledFuture<?> timer;

        Caller(String uniqueid, String linkedid, String channel, String number, int prio, long seq,
               long joinedNanos, int originalPosition) {
            this.uniqueid = uniqueid;
            this.linkedid = linkedid;
            this.channel = channel;
            this.number = number;
            this.name = "Caller " + number;
            this.prio = prio;
            this.seq = seq;
            this.joinedNanos = joinedNanos;
            this.originalPosition = originalPosition;
        }
    }

    final String name;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final List<Caller> queue = new ArrayList<>();          // in queue order
    private final Map<String, Caller> talking = new HashMap<>();    // uniqueid → caller, after connect
    private final Sink sink;
    private final ScheduledExecutorService timers;
    private final LongSupplier nanos;
    private final Ids ids;
    private final Consumer<Runnable> lockedRun;
    private Duration ringTime;
    private Duration talkTime;
    private double talkVariation;
    private java.util.Random random = new java.util.Random(12345);
    private Duration ringTimeout = Duration.ofSeconds(6);   // queues.conf timeout = 6
    private Duration retry = Duration.ofSeconds(2);         // queues.conf retry = 2
    private Duration wrapup = Duration.ZERO;                // queues.conf wrapuptime = 0
    /** manager.conf {@code channelvars}: reported as ChanVariable / DestChanVariable on every channel event. */
    private List<String> channelVars = List.of();
    private long seq;
    private int rrIndex = -1;
    private int completed;
    private int joined;
    private int answered;
    private int completedInSl;
    private int abandoned;
    private long holdTimeAvg;
    private long talkTimeAvg;

    /** Uniqueids and channel suffixes, shared by the whole simulated Asterisk. */
    interface Ids {
        String uniqueid();

        String channelSuffix();

        long epochSeconds();
    }

    /**
     * @param lockedRun runs a task with the simulator lock held (timers fire outside the lock)
     */
    SimQueue(String name, Sink sink, ScheduledExecutorService timers, LongSupplier nanos, Ids ids,
             Duration ringTime, Duration talkTime, Consumer<Runnable> lockedRun) {
        this.name = name;
        this.sink = sink;
        this.timers = timers;
        this.nanos = nanos;
        this.ids = ids;
        this.ringTime = ringTime;
        this.talkTime = talkTime;
        this.lockedRun = lockedRun;
    }

    void timing(Duration ring, Duration talk) {
        this.ringTime = ring;
        this.talkTime = talk;
    }

    /** Each call's talk time is drawn uniformly from talk × [1 − v, 1 + v], reproducibly from {@code seed}. */
    void talkVariation(double v, long seed) {
        this.talkVariation = v;
        this.random = new java.util.Random(seed);
    }

    void channelVars(List<String> names) {
        this.channelVars = List.copyOf(names);
    }

    /** queues.conf {@code wrapuptime}: a member is not rung again until this long after its last call. */
    void wrapup(Duration value) {
        this.wrapup = value;
    }

    /**
     * Would app_queue ring {@code m} now: app_queue.c can_ring_entry (not paused, device free with
     * ringinuse = no, {@code time(NULL) - lastcall >= wrapuptime}) and is_member_available, which
     * QueueSummary's Available counts.
     */
    boolean available(Member m) {
        return m.free() && (m.lastCallNanos == 0 || nanos.getAsLong() - m.lastCallNanos >= wrapup.toNanos());
    }

    void noAnswerTiming(Duration timeout, Duration retryAfter) {
        this.ringTimeout = timeout;
        this.retry = retryAfter;
    }

    void addMember(String iface, String memberName) {
        members.put(iface, new Member(iface, memberName, ids.epochSeconds()));
    }

    /** Callers that joined, were answered, completed their call, abandoned (since start). */
    int[] counts() {
        return new int[] {joined, answered, completed, abandoned};
    }

    Optional<Member> member(String iface) {
        return Optional.ofNullable(members.get(iface));
    }

    List<Member> members() {
        return List.copyOf(members.values());
    }

    List<Caller> waiting() {
        return List.copyOf(queue);
    }

    Optional<Caller> caller(String uniqueidOrChannel) {
        for (Caller c : queue) {
            if (c.uniqueid.equals(uniqueidOrChannel) || c.channel.equals(uniqueidOrChannel)) {
                return Optional.of(c);
            }
        }
        for (Caller c : talking.values()) {
            if (c.uniqueid.equals(uniqueidOrChannel) || c.channel.equals(uniqueidOrChannel)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    // ---- caller side -------------------------------------------------------------------------

    Caller join(String uniqueid, String channel, String number, int prio) {
        if (caller(uniqueid).isPresent()) {
            throw new IllegalArgumentException("caller " + uniqueid + " is already in queue " + name);
        }
        int pos = 0;
        while (pos < queue.size() && queue.get(pos).prio >= prio) {
            pos++;   // higher QUEUE_PRIO first, equal priority keeps arrival order
        }
        Caller c = new Caller(uniqueid, uniqueid, channel, number, prio, seq++, nanos.getAsLong(), pos + 1);
        queue.add(pos, c);
        joined++;
        sink.event("agent", block("QueueCallerJoin", c, c.channel)
                .add("Queue", name).add("Position", pos + 1).add("Count", queue.size()).build());
        dispatch();
        return c;
    }

    /** The caller hangs up (or is redirected) while waiting, ringing or talking. */
    boolean hangUp(String uniqueid) {
        Caller c = caller(uniqueid).orElse(null);
        if (c == null) {
            return false;
        }
        if (c.state == CallerState.TALKING) {
            complete(c, "caller");
            return true;
        }
        if (c.timer != null) {
            c.timer.cancel(false);
        }
        if (c.state == CallerState.RINGING) {
            Member m = c.member;
            m.call = null;
            m.status = NOT_INUSE;
            memberStatus(m);
        }
        int position = queue.indexOf(c) + 1;
        queue.remove(c);
        abandoned++;
        sink.event("agent", block("QueueCallerAbandon", c, c.channel)
                .add("Queue", name).add("Position", position).add("OriginalPosition", c.originalPosition)
                .add("HoldTime", seconds(nanos.getAsLong() - c.joinedNanos)).build());
        sink.event("agent", block("QueueCallerLeave", c, c.channel)
                .add("Queue", name).add("Position", position).add("Count", queue.size()).build());
        dispatch();
        return true;
    }

    // ---- member side -------------------------------------------------------------------------

    /** The agent ends the current call ({@code Reason: agent}). */
    boolean agentHangsUp(String iface) {
        Member m = members.get(iface);
        if (m == null || m.call == null || m.call.state != CallerState.TALKING) {
            return false;
        }
        complete(m.call, "agent");
        return true;
    }

    void pause(Member m, boolean paused, String reason) {
        m.paused = paused;
        m.pausedReason = paused && reason != null ? reason : "";
        if (paused) {
            m.lastPause = ids.epochSeconds();
        }
        sink.event("agent", memberBlock("QueueMemberPause", m, true).build());
        dispatch();
    }

    /** Rings free members for the callers at the head of the queue (autofill: as many as there are). */
    void dispatch() {
        long now = nanos.getAsLong();
        for (Caller c : List.copyOf(queue)) {
            if (c.state != CallerState.WAITING || c.retryUntilNanos > now) {
                continue;
            }
            Member m = nextFree();
            if (m == null) {
                return;
            }
            ring(c, m);
        }
    }

    private Member nextFree() {
        List<Member> all = new ArrayList<>(members.values());
        for (int i = 1; i <= all.size(); i++) {
            int idx = (rrIndex + i) % all.size();
            if (available(all.get(idx))) {
                rrIndex = idx;   // rrmemory: the next search starts after the member rung last
                return all.get(idx);
            }
        }
        return null;
    }

    private void ring(Caller c, Member m) {
        c.state = CallerState.RINGING;
        c.member = m;
        m.call = c;
        c.destUniqueid = ids.uniqueid();
        c.destChannel = m.iface + "-" + ids.channelSuffix() + (m.local() ? ";1" : "");
        c.ringStartNanos = nanos.getAsLong();
        sink.event("agent", dest(block("AgentCalled", c, c.channel), c, 0, "Down")
                .add("Queue", name).add("Interface", m.iface).add("MemberName", m.name).build());
        // Local members report INUSE while ringing; a SIP phone reports RINGING (transcripts 3 and 6).
        m.status = m.local() ? INUSE : RINGING;
        memberStatus(m);
        if (m.answers) {
            c.timer = timers.schedule(() -> lockedRun.accept(() -> connect(c)), ringTime.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            c.timer = timers.schedule(() -> lockedRun.accept(() -> noAnswer(c)), ringTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The member rang for the whole timeout: AgentRingNoAnswer (RingTime in ms), retry after a pause. */
    private void noAnswer(Caller c) {
        if (c.state != CallerState.RINGING || !queue.contains(c)) {
            return;
        }
        Member m = c.member;
        long now = nanos.getAsLong();
        sink.event("agent", dest(block("AgentRingNoAnswer", c, c.channel), c, 5, "Ringing")
                .add("Queue", name).add("Interface", m.iface).add("MemberName", m.name)
                .add("RingTime", (now - c.ringStartNanos) / 1_000_000L).build());
        m.call = null;
        m.status = NOT_INUSE;
        memberStatus(m);
        c.state = CallerState.WAITING;
        c.member = null;
        c.retryUntilNanos = now + retry.toNanos();
        c.timer = timers.schedule(() -> lockedRun.accept(this::dispatch), retry.toMillis(), TimeUnit.MILLISECONDS);
        dispatch();
    }

    private void connect(Caller c) {
        if (c.state != CallerState.RINGING || !queue.contains(c)) {
            return;
        }
        Member m = c.member;
        long now = nanos.getAsLong();
        int position = queue.indexOf(c) + 1;
        queue.remove(c);
        talking.put(c.uniqueid, c);
        answered++;
        c.state = CallerState.TALKING;
        c.connectedNanos = now;
        long hold = seconds(now - c.joinedNanos);
        holdTimeAvg = ((holdTimeAvg << 2) - holdTimeAvg + hold) >> 2;   // app_queue's running average
        if (hold <= SERVICE_LEVEL_S) {
            completedInSl++;
        }
        c.variables.put("MEMBERINTERFACE", m.iface);
        c.variables.put("MEMBERNAME", m.name);
        c.variables.put("QEHOLDTIME", String.valueOf(hold));
        c.variables.put("QEORIGINALPOS", String.valueOf(c.originalPosition));
        sink.event("agent", block("QueueCallerLeave", c, c.channel)
                .add("Queue", name).add("Position", position).add("Count", queue.size()).build());
        sink.event("agent", dest(block("AgentConnect", c, c.channel), c, 6, "Up")
                .add("Queue", name).add("Interface", m.iface).add("MemberName", m.name)
                .add("HoldTime", hold).add("RingTime", seconds(now - c.ringStartNanos)).build());
        if (m.status != INUSE) {
            m.status = INUSE;
            memberStatus(m);
        }
        if (!talkTime.isZero()) {
            long talk = Math.max(1, Math.round(talkTime.toMillis() * (1 + talkVariation * (2 * random.nextDouble() - 1))));
            c.timer = timers.schedule(() -> lockedRun.accept(() -> agentHangsUp(m.iface)), talk, TimeUnit.MILLISECONDS);
        }
    }

    private void complete(Caller c, String reason) {
        if (c.timer != null) {
            c.timer.cancel(false);
        }
        Member m = c.member;
        long now = nanos.getAsLong();
        long talk = seconds(now - c.connectedNanos);
        talking.remove(c.uniqueid);
        completed++;
        talkTimeAvg = ((talkTimeAvg << 2) - talkTimeAvg + talk) >> 2;
        sink.event("agent", dest(block("AgentComplete", c, c.channel), c, 6, "Up")
                .add("Queue", name).add("Interface", m.iface).add("MemberName", m.name)
                .add("HoldTime", seconds(c.connectedNanos - c.joinedNanos)).add("TalkTime", talk)
                .add("Reason", reason).build());
        m.call = null;
        m.status = NOT_INUSE;
        m.callsTaken++;
        m.lastCall = ids.epochSeconds();
        m.lastCallNanos = now;
        memberStatus(m);
        dispatch();
        if (!wrapup.isZero()) {
            // No event marks the end of a wrap-up; app_queue rings the member at the next caller's retry.
            timers.schedule(() -> lockedRun.accept(this::dispatch), wrapup.toMillis() + 1, TimeUnit.MILLISECONDS);
        }
    }

    private void memberStatus(Member m) {
        sink.event("agent", memberBlock("QueueMemberStatus", m, true).build());
    }

    // ---- list actions ------------------------------------------------------------------------

    /** QueueParams, one QueueMember per member (optionally one), one QueueEntry per caller. */
    List<AmiMessage> status(String actionId, String onlyMember) {
        List<AmiMessage> out = new ArrayList<>();
        long now = nanos.getAsLong();
        out.add(AmiMessage.builder().add("Event", "QueueParams").add("Queue", name).add("Max", 0)
                .add("Strategy", "rrmemory").add("Calls", queue.size()).add("Holdtime", holdTimeAvg)
                .add("TalkTime", talkTimeAvg).add("Completed", completed).add("Abandoned", abandoned)
                .add("ServiceLevel", SERVICE_LEVEL_S).add("ServicelevelPerf", servicePerf())
                .add("ServicelevelPerf2", servicePerf2()).add("Weight", 0).actionId(actionId).build());
        for (Member m : members.values()) {
            if (onlyMember != null && !onlyMember.equals(m.iface)) {
                continue;
            }
            out.add(AmiMessage.builder().add("Event", "QueueMember").add("Queue", name).add("Name", m.name)
                    .add("Location", m.iface).add("StateInterface", m.iface).add("Membership", "static")
                    .add("Penalty", 0).add("CallsTaken", m.callsTaken).add("LastCall", m.lastCall)
                    .add("LastPause", m.lastPause).add("LoginTime", m.loginTime)
                    .add("InCall", m.call != null && m.call.state == CallerState.TALKING ? 1 : 0)
                    .add("Status", m.status).add("Paused", m.paused ? 1 : 0).add("PausedReason", m.pausedReason)
                    .add("Wrapuptime", 0).actionId(actionId).build());
        }
        if (onlyMember == null) {
            int pos = 1;
            for (Caller c : queue) {
                out.add(AmiMessage.builder().add("Event", "QueueEntry").add("Queue", name).add("Position", pos++)
                        .add("Channel", c.channel).add("Uniqueid", c.uniqueid).add("CallerIDNum", c.number)
                        .add("CallerIDName", c.name).add("ConnectedLineNum", c.number)
                        .add("ConnectedLineName", c.name).add("Wait", seconds(now - c.joinedNanos))
                        .add("Priority", c.prio).actionId(actionId).build());
            }
        }
        return out;
    }

    AmiMessage summary(String actionId) {
        long now = nanos.getAsLong();
        long longest = queue.stream().mapToLong(c -> seconds(now - c.joinedNanos)).max().orElse(0);
        int available = (int) members.values().stream().filter(this::available).count();
        return AmiMessage.builder().add("Event", "QueueSummary").add("Queue", name)
                .add("LoggedIn", members.size()).add("Available", available).add("Callers", queue.size())
                .add("HoldTime", holdTimeAvg).add("TalkTime", talkTimeAvg).add("LongestHoldTime", longest)
                .actionId(actionId).build();
    }

    private String servicePerf() {
        return String.format(java.util.Locale.ROOT, "%.1f", completed == 0 ? 0.0 : 100.0 * completedInSl / completed);
    }

    private String servicePerf2() {
        int total = completed + abandoned;
        return String.format(java.util.Locale.ROOT, "%.1f", total == 0 ? 0.0 : 100.0 * completedInSl / total);
    }

    // ---- message blocks ----------------------------------------------------------------------

    /** The 14-header caller block that every caller-side queue event starts with. */
    static AmiMessage.Builder callerBlock(String event, Caller c, String channel) {
        return AmiMessage.builder().add("Event", event).add("Privilege", "agent,all")
                .add("Channel", channel).add("ChannelState", 6).add("ChannelStateDesc", "Up")
                .add("CallerIDNum", c.number).add("CallerIDName", c.name)
                .add("ConnectedLineNum", c.number).add("ConnectedLineName", c.name)
                .add("Language", "en").add("AccountCode", "").add("Context", "queue-callers")
                .add("Exten", c.number).add("Priority", 8).add("Uniqueid", c.uniqueid).add("Linkedid", c.linkedid);
    }

    /** The caller block, then one {@code ChanVariable: NAME=value} per manager.conf channelvars (transcript 7). */
    AmiMessage.Builder block(String event, Caller c, String channel) {
        AmiMessage.Builder b = callerBlock(event, c, channel);
        channelVars.forEach(v -> b.add("ChanVariable", v + "=" + c.variables.getOrDefault(v, "")));
        return b;
    }

    /** The agent leg's block; its DestChanVariable values stay empty: Queue() copies only _/__ variables to it. */
    private AmiMessage.Builder dest(AmiMessage.Builder b, Caller c, int state, String stateDesc) {
        destBlock(b, c, state, stateDesc);
        channelVars.forEach(v -> b.add("DestChanVariable", v + "="));
        return b;
    }

    /** The agent leg's block, all headers prefixed {@code Dest}. AgentCalled sees the leg still Down. */
    private static AmiMessage.Builder destBlock(AmiMessage.Builder b, Caller c, int state, String stateDesc) {
        String context = c.member.local() ? c.member.iface.substring(c.member.iface.indexOf('@') + 1) : "from-sip";
        return b.add("DestChannel", c.destChannel).add("DestChannelState", state)
                .add("DestChannelStateDesc", stateDesc).add("DestCallerIDNum", c.number)
                .add("DestCallerIDName", c.name).add("DestConnectedLineNum", c.number)
                .add("DestConnectedLineName", c.name).add("DestLanguage", "en").add("DestAccountCode", "")
                .add("DestContext", context).add("DestExten", c.number).add("DestPriority", 1)
                .add("DestUniqueid", c.destUniqueid).add("DestLinkedid", c.linkedid);
    }

    private AmiMessage.Builder memberBlock(String event, Member m, boolean withPrivilege) {
        AmiMessage.Builder b = AmiMessage.builder().add("Event", event);
        if (withPrivilege) {
            b.add("Privilege", "agent,all");
        }
        // Local members keep InCall: 0 in events even while talking (transcript 10); SIP members do not.
        int inCall = !m.local() && m.call != null && m.call.state == CallerState.TALKING ? 1 : 0;
        return b.add("Queue", name).add("MemberName", m.name).add("Interface", m.iface)
                .add("StateInterface", m.iface).add("Membership", "static").add("Penalty", 0)
                .add("CallsTaken", m.callsTaken).add("LastCall", m.lastCall).add("LastPause", m.lastPause)
                .add("LoginTime", m.loginTime).add("InCall", inCall).add("Status", m.status)
                .add("Paused", m.paused ? 1 : 0).add("PausedReason", m.pausedReason)
                .add("Ringinuse", 0).add("Wrapuptime", 0);
    }

    /** Whole seconds, truncated like app_queue's {@code time(NULL) - start}. */
    private static long seconds(long nanosElapsed) {
        return nanosElapsed / 1_000_000_000L;
    }
}
