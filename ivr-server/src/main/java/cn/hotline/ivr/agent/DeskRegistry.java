package cn.hotline.ivr.agent;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The connected desks of each agent, and the call each agent is on. A desk that connects while its
 * agent is on a call receives that call's pop at once. Thread-safe: pops come from AMI listener
 * threads, desks from Netty's event loops.
 */
final class DeskRegistry {
    private final Map<String, Set<Channel>> desks = new ConcurrentHashMap<>();
    /** agent → the pop of the call the agent is on (JSON as sent), until AgentComplete. */
    private final Map<String, Current> current = new ConcurrentHashMap<>();
    /** agent → the {@code ended} message of the agent's last call, for desks that were away when it was sent. */
    private final Map<String, String> lastEnded = new ConcurrentHashMap<>();
    /** agent → the calls last popped to the agent, newest first: an agent corrects fields after hang-up too. */
    private final Map<String, Deque<String>> popped = new ConcurrentHashMap<>();
    /** Calls remembered per agent for corrections: a shift's wrap-up never spans more. */
    static final int REMEMBERED_CALLS = 32;

    private record Current(String callId, String json) {
    }

    /**
     * Registers a desk and sends it the agent's current call, or, when the agent is on none, the end of the
     * agent's last call: a desk back from a network blip must not go on showing a call that ended meanwhile.
     * Under the agent's entry in {@code current}, so a pop pushed at the same moment reaches the desk after
     * the call it replaces, never before it.
     */
    void add(String agent, Channel desk) {
        desks.computeIfAbsent(agent, a -> ConcurrentHashMap.newKeySet()).add(desk);
        desk.closeFuture().addListener(f -> remove(agent, desk));
        current.compute(agent, (a, c) -> {
            String json = c != null ? c.json() : lastEnded.get(agent);
            if (json != null) {
                desk.writeAndFlush(new TextWebSocketFrame(json));
            }
            return c;
        });
    }

    private void remove(String agent, Channel desk) {
        desks.computeIfPresent(agent, (a, set) -> {
            set.remove(desk);
            return set.isEmpty() ? null : set;
        });
    }

    int deskCount() {
        return desks.values().stream().mapToInt(Set::size).sum();
    }

    int deskCount(String agent) {
        Set<Channel> set = desks.get(agent);
        return set == null ? 0 : set.size();
    }

    /** Marks {@code callId} as the agent's current call (before its pop is ready). */
    void begin(String agent, String callId) {
        current.put(agent, new Current(callId, null));
        popped.compute(agent, (a, calls) -> {
            Deque<String> d = calls == null ? new ArrayDeque<>() : calls;
            d.remove(callId);
            d.addFirst(callId);
            while (d.size() > REMEMBERED_CALLS) {
                d.removeLast();
            }
            return d;
        });
    }

    /** True when {@code callId} is one of the last calls that went to the agent (current or ended). */
    boolean wasPoppedTo(String agent, String callId) {
        boolean[] found = new boolean[1];
        popped.computeIfPresent(agent, (a, calls) -> {
            found[0] = calls.contains(callId);
            return calls;
        });
        return found[0];
    }

    boolean isCurrent(String agent, String callId) {
        Current c = current.get(agent);
        return c != null && c.callId().equals(callId);
    }

    /**
     * Sends the pop to every desk of the agent if the call is still the agent's current one.
     * {@code firstWritten} runs once, when the first desk's frame has been written to the socket.
     * Returns how many desks it went to (0: none connected yet; a late desk will get it).
     * Checked and sent under the agent's entry: a late pop of the previous call can never be written
     * after the new call's pop (a desk would show the wrong caller).
     */
    int push(String agent, String callId, String json, Runnable firstWritten) {
        int[] sent = new int[1];
        current.computeIfPresent(agent, (a, cur) -> {
            if (!cur.callId().equals(callId)) {
                return cur;   // the agent has moved on
            }
            sent[0] = send(agent, json, firstWritten);
            return new Current(callId, json);
        });
        return sent[0];   // 0 also when the call already ended
    }

    /** The call ended: desks are told, and a desk connecting later gets nothing for it but this message. */
    void end(String agent, String callId, String json) {
        current.compute(agent, (a, cur) -> {
            send(agent, json, () -> { });
            if (cur != null && !cur.callId().equals(callId)) {
                return cur;   // a newer call is already current
            }
            lastEnded.put(agent, json);
            return null;
        });
    }

    private int send(String agent, String json, Runnable firstWritten) {
        Set<Channel> set = desks.get(agent);
        if (set == null || set.isEmpty()) {
            return 0;
        }
        AtomicBoolean first = new AtomicBoolean(true);
        int n = 0;
        for (Channel ch : set) {
            if (ch.isActive()) {
                ch.writeAndFlush(new TextWebSocketFrame(json)).addListener(f -> {
                    if (f.isSuccess() && first.compareAndSet(true, false)) {
                        firstWritten.run();
                    }
                });
                n++;
            }
        }
        return n;
    }
}
