package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EarlyPreemptionsTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final EarlyPreemptions early = new EarlyPreemptions(now::get);

    private void advance(long amount, TimeUnit unit) {
        now.addAndGet(unit.toNanos(amount));
    }

    @Test
    void anEarlyPreemptionEndsTheCallsNextCaptureOnceAndALateOneNone() {
        assertTrue(early.remember("1795448040.1"));
        assertTrue(early.take("1795448040.1"), "the capture starting now ends at once");
        assertFalse(early.take("1795448040.1"), "once");
        early.captureEnded("1795448040.1");
        assertFalse(early.remember("1795448040.1"), "the capture is over: nothing to remember");
        assertFalse(early.take("1795448040.1"), "a next capture of the call is not ended");
        assertTrue(early.remember("1795448040.1"), "the next capture started: an agent freeing up counts again");
    }

    @Test
    void underLoadOnlyTheLastTwoMinutesAreKept() {
        // 10,000 calls at 20 a second, each capture ending and a third of them preempted too late or never capturing.
        for (int i = 0; i < 10_000; i++) {
            advance(50, TimeUnit.MILLISECONDS);
            String id = "1795448040." + i;
            if (i % 3 == 0) {
                early.remember(id); // hung up before capturing
            } else {
                early.captureEnded(id);
            }
        }
        assertTrue(early.size() <= 2 * 60 * 20 + 1, "two minutes of calls at most: " + early.size());
        advance(121, TimeUnit.SECONDS);
        early.captureEnded("1795448040.99999");
        assertEquals(1, early.size(), "everything older than two minutes is gone");
        assertFalse(early.take("1795448040.9999"), "an expired preemption no longer ends a capture");
    }
}
