package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EngineHealthTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final EngineHealth health = new EngineHealth(now::get);

    private void seconds(long s) {
        now.addAndGet(s * 1_000_000_000L);
    }

    /**
     * Three failed streams in a row took the engine down "until a stream succeeds", but admission refuses
     * every caller while it is down, so no stream could ever succeed: intake stayed off until a restart.
     */
    @Test
    void threeFailedStreamsTakeItDownForThirtySecondsThenStreamsAreTriedAgain() {
        health.failed();
        health.failed();
        assertNull(health.downReason());
        health.failed();
        assertEquals("Vosk failed 3 streams in a row; next try in 30 s", health.downReason());
        seconds(29);
        assertEquals("Vosk failed 3 streams in a row; next try in 1 s", health.downReason());
        seconds(1);
        assertNull(health.downReason(), "after the wait a trial stream is admitted");
        health.failed(); // the trial failed: another wait
        assertEquals("Vosk failed 4 streams in a row; next try in 30 s", health.downReason());
        seconds(30);
        assertNull(health.downReason());
        health.succeeded();
        health.failed();
        assertNull(health.downReason(), "a success clears the count");
    }
}
