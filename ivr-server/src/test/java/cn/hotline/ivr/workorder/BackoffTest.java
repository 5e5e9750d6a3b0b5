package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    @Test
    void doublesPerAttemptWithinHalfToFullAndStopsAtTheCap() {
        Random random = new Random(3);
        for (int attempt = 1; attempt <= 40; attempt++) {
            long full = Math.min(5000, 100L << Math.min(attempt - 1, 30));
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long ms = backoff.delay(attempt, random).toMillis();
                assertTrue(ms >= full / 2 && ms <= full, "attempt " + attempt + ": " + ms + " outside " + full / 2 + ".." + full);
                seen.add(ms);
            }
            assertTrue(seen.size() > 10, "jittered, not fixed, at attempt " + attempt);
        }
        assertEquals(5000, new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5)).delay(1000, new Random(1) {
            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        }).toMillis());
    }
}
