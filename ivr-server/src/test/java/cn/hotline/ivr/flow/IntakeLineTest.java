package cn.hotline.ivr.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IntakeLineTest {
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
        assertTrue(IntakeLine.queuePriority(early.plusMillis(30)) < IntakeLine.queuePriority(early.plusMillis(5)),
                "callers a fraction of a second apart must not tie");
        assertTrue(IntakeLine.queuePriority(Instant.parse("2050-01-01T00:00:00Z")) > 0);
        assertTrue(IntakeLine.queuePriority(Instant.parse("2025-01-01T00:00:00Z")) > 0);
    }
}
