package cn.hotline.ivr.telephony.ami;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueueStateTest {
    private static final String Q = "12345-agents";
    private static final String ALICE = "Local/agent1@agents";

    private static WaitingCaller caller(String id, int position) {
        return new WaitingCaller(Q, id, "Local/" + id + "@queue-callers;2", id, position, Instant.EPOCH, false);
    }

    @Test
    void positionsFollowJoinsAheadAndLeaves() {
        QueueState s = new QueueState();
        s.callerJoined(caller("D", 1));
        s.callerJoined(caller("E", 1));   // QUEUE_PRIO 10: Asterisk puts E at position 1
        s.callerJoined(caller("F", 3));
        assertEquals(List.of("E", "D", "F"), s.callers(Q).stream().map(WaitingCaller::callId).toList());
        s.callerRinging(Q, "E", true);
        assertEquals(2, s.callersUnassigned(Q), "E has a member ringing");
        s.callerRinging(Q, "E", false);
        assertEquals(3, s.callersUnassigned(Q), "no answer: E waits for the next member again");
        s.callerLeft(Q, "E");
        assertEquals(List.of(1, 2), s.callers(Q).stream().map(WaitingCaller::position).toList());
        assertEquals(List.of("D", "F"), s.callers(Q).stream().map(WaitingCaller::callId).toList());
    }

    @Test
    void reservationsEndWithTheCallersJoinTheirReleaseOrTheirTime() throws Exception {
        QueueState s = new QueueState();
        s.reserve(Q, "A", 60_000_000_000L);
        s.reserve(Q, "B", 60_000_000_000L);
        s.reserve(Q, "C", 1_000_000L);
        Thread.sleep(5);
        assertEquals(2, s.reservations(Q), "C's hold ran out");
        s.callerJoined(caller("A", 1));
        assertEquals(1, s.reservations(Q), "A reached the queue");
        s.release(Q, "B");
        assertEquals(0, s.reservations(Q));
    }

    @Test
    void aLocalMemberStaysBusyFromAgentConnectUntilItIsReportedFree() {
        QueueState s = new QueueState();
        assertTrue(s.member(new MemberState(Q, ALICE, "Alice", 1, false, false)).isPresent(), "first seen free");
        assertTrue(s.member(new MemberState(Q, ALICE, "Alice", 2, false, false)).isEmpty());
        s.inCall(Q, ALICE, true);
        // Local members keep reporting InCall 0 while talking; the AgentConnect mark must survive that.
        s.member(new MemberState(Q, ALICE, "Alice", 2, false, false));
        assertTrue(s.members(Q).get(0).inCall());
        assertTrue(s.inCall(Q, ALICE, false).isEmpty(), "still INUSE until QueueMemberStatus says 1");
        assertTrue(s.member(new MemberState(Q, ALICE, "Alice", 1, false, false)).isPresent(), "freed");
        assertTrue(s.member(new MemberState(Q, ALICE, "Alice", 1, true, false)).isEmpty());
        assertEquals(0, s.freeMembers(Q), "paused is not free");
    }

    @Test
    void aQueueStatusSnapshotReplacesEverythingAndReportsNewlyFreeMembers() {
        QueueState s = new QueueState();
        s.member(new MemberState(Q, ALICE, "Alice", 2, false, false));
        s.member(new MemberState(Q, "Local/gone@agents", "Gone", 1, false, false));
        s.callerJoined(caller("X", 1));
        assertFalse(s.synced(Q));
        List<MemberState> freed = s.replace(Q, List.of(new MemberState(Q, ALICE, "Alice", 1, false, false)),
                List.of(caller("Y", 1)));
        assertEquals(List.of(ALICE), freed.stream().map(MemberState::iface).toList());
        assertEquals(List.of(ALICE), s.members(Q).stream().map(MemberState::iface).toList());
        assertEquals(List.of("Y"), s.callers(Q).stream().map(WaitingCaller::callId).toList());
        assertTrue(s.synced(Q));
        s.clear();
        assertFalse(s.synced(Q));
    }

    @Test
    void wrapUpFollowsAppQueueTheMembersOwnTimeWinningOverTheQueues() {
        long[] now = {1_795_449_700L};
        QueueState s = new QueueState(q -> q.equals(Q) ? 10 : 0, () -> now[0]);
        // LastCall 5 s ago, queue wrapuptime 10: can_ring_entry says no until time(NULL) - lastcall >= 10.
        assertTrue(s.member(new MemberState(Q, ALICE, "Alice", 1, false, false, now[0] - 5, 0)).isEmpty());
        assertEquals(0, s.freeMembers(Q));
        assertEquals(now[0] + 5, s.wrapupEndsAt(s.members(Q).get(0)));
        now[0] += 5;
        assertEquals(1, s.freeMembers(Q), "exactly at lastcall + wrapuptime");
        // get_wrapuptime: a member's own Wrapuptime replaces the queue's.
        assertTrue(s.member(new MemberState(Q, "Local/agent2@agents", "Bob", 1, false, false, now[0] - 5, 3)).isPresent());
        assertTrue(s.member(new MemberState("other", ALICE, "Alice", 1, false, false, now[0], 0)).isPresent(),
                "a queue without wrap-up");
        // AgentComplete starts the wrap-up even before an event carries the new LastCall.
        s.inCall(Q, ALICE, true);
        assertTrue(s.callEnded(Q, ALICE).isEmpty());
        assertTrue(s.member(new MemberState(Q, ALICE, "Alice", 1, false, false, now[0] - 60, 0)).isEmpty(),
                "an older LastCall does not end it");
        now[0] += 10;
        assertEquals(2, s.freeMembers(Q));
    }
}
