package cn.hotline.ivr.speech;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the engine may open streams, from its recent streams: after {@link #FAILURES_BEFORE_DOWN}
 * failed streams in a row it is down for {@link #RETRY_AFTER}, then streams are tried again; one that
 * succeeds clears it, one that fails starts another wait. Without the retry nothing could ever clear
 * it: admission refuses every caller while the engine is down, so no stream would run to succeed, and
 * three bad streams (a burst of noise, a transient error) switched intake off until a restart.
 */
final class EngineHealth {
    private static final Logger log = LoggerFactory.getLogger(EngineHealth.class);
    static final int FAILURES_BEFORE_DOWN = 3;
    static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final LongSupplier nanoClock;
    private int consecutiveFailures;
    private long downSinceNanos;

    EngineHealth(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    synchronized void failed() {
        consecutiveFailures++;
        if (consecutiveFailures >= FAILURES_BEFORE_DOWN) {
            downSinceNanos = nanoClock.getAsLong();
            if (consecutiveFailures == FAILURES_BEFORE_DOWN) {
                log.error("Vosk engine marked unhealthy after {} failed streams; speech intake is skipped for {} s, then tried again",
                        consecutiveFailures, RETRY_AFTER.toSeconds());
            } else {
                log.warn("Vosk stream failed again ({} in a row); speech intake is skipped for another {} s",
                        consecutiveFailures, RETRY_AFTER.toSeconds());
            }
        }
    }

    synchronized void succeeded() {
        if (consecutiveFailures >= FAILURES_BEFORE_DOWN) {
            log.info("Vosk engine recovered: a stream succeeded after {} failed", consecutiveFailures);
        }
        consecutiveFailures = 0;
    }

    /** Why no stream should be opened now, or null when one may. */
    synchronized String downReason() {
        if (consecutiveFailures < FAILURES_BEFORE_DOWN) {
            return null;
        }
        long waited = nanoClock.getAsLong() - downSinceNanos;
        if (waited >= RETRY_AFTER.toNanos()) {
            return null; // the next streams are the trial
        }
        return "Vosk failed " + consecutiveFailures + " streams in a row; next try in "
                + Math.max(1, (RETRY_AFTER.toNanos() - waited + 999_999_999) / 1_000_000_000) + " s";
    }
}
