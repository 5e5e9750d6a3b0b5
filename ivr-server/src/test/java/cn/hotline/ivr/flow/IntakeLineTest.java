package cn.hotline.ivr.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.testing.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class IntakeLineTest {
    private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
    private final List<String> preempted = new ArrayList<>();
    private final IntakeLine line = new IntakeLine(preempted::add);

    @Test
    void theEarliestCallerLeavesIntakeFirst() throws Exception {
        List<String> preempted = new ArrayList<>();
        IntakeLine line = new IntakeLine(preempted::add);
        Instant t0 = Instant.parse("2026-11-23T08:00:00Z");
        AutoCloseable b = line.enter("b", t0.plusSeconds(5));
        AutoCloseable a = line.enter("a", t0);
        AutoCloseable c = line.enter("c", t0.plusSeconds(9));
        assertEquals(Optional.of("a"), line.agentFreed());
        b.close(); // b finished speaking on its own before the next agent freed up
        assertEquals(Optional.of("c"), line.agentFreed());
        assertEquals(Optional.empty(), line.agentFreed());
        assertEquals(List.of("a", "c"), preempted);
        a.close();
        c.close();
        assertEquals(0, line.size());
    }

    @Test
    void queuePriorityKeepsArrivalOrderAcrossNodes() {
        Instant early = Instant.parse("2026-11-23T08:00:00Z");
        int p1 = IntakeLine.queuePriority(early);
        int p2 = IntakeLine.queuePriority(early.plusSeconds(1));
        assertTrue(p1 > p2, "earlier arrival must get a higher QUEUE_PRIO");
        assertTrue(p2 > 0);
        assertTrue(IntakeLine.queuePriority(early.plusMillis(130)) < IntakeLine.queuePriority(early.plusMillis(5)),
                "callers a tenth of a second apart must not tie");
        assertEquals(IntakeLine.queuePriority(early), IntakeLine.queuePriority(early.plusMillis(99)),
                "within the same 100 ms Asterisk orders by queue entry");
        assertTrue(IntakeLine.queuePriority(Instant.parse("2050-01-01T00:00:00Z")) > 0);
        assertTrue(IntakeLine.queuePriority(Instant.parse("2025-01-01T00:00:00Z")) > 0);
    }

    @Test
    void queuePriorityCountsTenthsOfASecondAndFirstWrapsInOctober2031() {
        Instant epoch = Instant.parse("2025-01-01T00:00:00Z");
        assertEquals(Integer.MAX_VALUE - 1, IntakeLine.queuePriority(epoch));
        assertEquals(Integer.MAX_VALUE - 11, IntakeLine.queuePriority(epoch.plusSeconds(1)), "10 steps a second");
        // 1 ms units wrapped every 24.8 days: a caller arriving 25 days later would have jumped ahead.
        assertTrue(IntakeLine.queuePriority(epoch.plus(Duration.ofDays(25)))
                < IntakeLine.queuePriority(epoch.plus(Duration.ofDays(24))));
        Instant wrap = Instant.parse("2031-10-22T12:19:24.600Z");
        assertEquals(1, IntakeLine.queuePriority(wrap.minusMillis(100)), "the last priority before the wrap");
        assertEquals(Integer.MAX_VALUE - 1, IntakeLine.queuePriority(wrap), "the first wrap");
        assertTrue(IntakeLine.queuePriority(Instant.parse("2031-10-01T00:00:00Z"))
                > IntakeLine.queuePriority(Instant.parse("2031-10-22T12:00:00Z")), "order holds until the wrap");
    }

    @Test
    void aCallerWhoFinishesFirstWaitsForThoseWhoCalledEarlierAndAreStillTalking() throws Exception {
        IntakeLine.Place a = line.enter("a", T0);
        IntakeLine.Place b = line.enter("b", T0.plusSeconds(2));
        IntakeLine.Place c = line.enter("c", T0.plusSeconds(4));
        CompletableFuture<Void> cTurn = c.waitForTurn();
        CompletableFuture<Void> bTurn = b.waitForTurn();
        assertFalse(bTurn.isDone(), "a called earlier and is still describing");
        assertFalse(cTurn.isDone());
        assertEquals(3, line.size(), "finished callers keep their place in the line");
        assertEquals(2, line.waiting());

        assertEquals(Optional.of("a"), line.agentFreed(), "the agent goes to the caller who called first");
        assertEquals(List.of("a"), preempted, "a's capture was ended");
        assertTrue(bTurn.isDone() && cTurn.isDone(), "nobody earlier is talking any more: b and c go to the queue, behind a");
        assertEquals(0, line.size());
        a.close();
        b.close();
        c.close();
    }

    @Test
    void aFinishedCallerAtTheFrontTakesTheNextFreeAgentWithoutBeingInterrupted() throws Exception {
        IntakeLine.Place a = line.enter("a", T0);
        IntakeLine.Place b = line.enter("b", T0.plusSeconds(2));
        IntakeLine.Place c = line.enter("c", T0.plusSeconds(4));
        CompletableFuture<Void> cTurn = c.waitForTurn();
        a.close(); // a hung up
        assertFalse(cTurn.isDone(), "b called before c and is still talking");
        assertEquals(Optional.of("b"), line.agentFreed());
        assertTrue(cTurn.isDone());

        IntakeLine.Place d = line.enter("d", T0.plusSeconds(6));
        IntakeLine.Place e = line.enter("e", T0.plusSeconds(8));
        CompletableFuture<Void> dTurn = d.waitForTurn();
        assertTrue(dTurn.isDone(), "first in line and finished: straight to the queue");
        CompletableFuture<Void> eTurn = e.waitForTurn();
        assertTrue(eTurn.isDone());
        assertEquals(List.of("b"), preempted, "nobody who had finished was 'preempted'");
        b.close();
        c.close();
        d.close();
        e.close();
    }

    @Test
    void aCallerTakenForAnAgentJustAfterFinishingOnTheirOwnDoesNotWait() throws Exception {
        IntakeLine line = new IntakeLine(id -> { });
        Instant t0 = Instant.parse("2026-11-23T08:00:00Z");
        IntakeLine.Place a = line.enter("a", t0);
        IntakeLine.Place b = line.enter("b", t0.plusSeconds(1));
        // a's capture has just ended on its own; before a asks for its turn, an agent frees up for a.
        assertEquals(Optional.of("a"), line.agentFreed());
        assertTrue(a.waitForTurn().isDone(), "an agent is free for a: no waiting");
        assertTrue(b.waitForTurn().isDone(), "nobody earlier left in the line");
        a.close();
        b.close();
    }

    @Test
    void whenCapturesCannotBeEndedAFreeAgentSaysWhatReallyHappens() throws Exception {
        List<String> preempted = new ArrayList<>();
        IntakeLine recordFile = new IntakeLine(preempted::add, false);
        try (LogCapture logs = new LogCapture(IntakeLine.class);
                IntakeLine.Place a = recordFile.enter("1796538594.11", T0)) {
            assertEquals(Optional.of("1796538594.11"), recordFile.agentFreed());
            assertEquals(List.of(), preempted, "RECORD FILE cannot be interrupted: nothing is asked to end");
            assertTrue(a.waitForTurn().isDone(), "their turn is kept: they go to the queue when the recording ends");
            assertTrue(logs.any("INFO [1796538594.11]", "agent free: this caller is recording and will reach the queue"
                    + " when the recording ends (record-file mode without AMI cannot be interrupted)"), logs.lines().toString());
            assertFalse(logs.lines().stream().anyMatch(l -> l.contains("ending the intake")), logs.lines().toString());
        }
    }

    @Test
    void whenAgentsBecomeUnknownEveryCallerLeavesTheLine() throws Exception {
        IntakeLine.Place a = line.enter("a", T0);
        IntakeLine.Place b = line.enter("b", T0.plusSeconds(3));
        CompletableFuture<Void> bTurn = b.waitForTurn();   // b finished and waits for a, who is still talking
        assertFalse(bTurn.isDone());
        assertEquals(2, line.releaseAll("agents unknown"));
        assertTrue(bTurn.isDone(), "the caller waiting for earlier ones goes on");
        assertEquals(List.of("a"), preempted, "only the caller still describing has a capture to end");
        assertEquals(0, line.size());
        assertEquals(0, line.releaseAll("agents unknown"));
        a.close();
        b.close();
    }
}
