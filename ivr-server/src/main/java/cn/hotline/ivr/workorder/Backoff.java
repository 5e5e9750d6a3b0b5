package cn.hotline.ivr.workorder;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter, capped: attempt n waits between half and all of
 * {@code min(cap, base * 2^(n-1))}. The jitter spreads retries of many drafts over time, so a
 * backend coming back up is not hit by every pending draft in the same millisecond.
 */
record Backoff(Duration base, Duration cap) {
    Duration delay(int attempt, RandomGenerator random) {
        long baseMs = Math.max(1, base.toMillis());
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        long full = Math.min(cap.toMillis(), baseMs << shift);
        long half = full / 2;
        return Duration.ofMillis(half + random.nextLong(full - half + 1));
    }
}
