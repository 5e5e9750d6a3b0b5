package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.ConfigFile;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The durable outbox ({@code outbox.*}).
 *
 * @param dir           where the journal lives (local disk; one server per directory)
 * @param maxBytes      hard bound on the journal's disk usage: persist fails beyond it
 * @param alarmRatio    fraction of {@code maxBytes} at which the disk alarm is raised
 * @param segmentBytes  size at which a journal segment is sealed and a new one started
 * @param maxAge        a draft still undelivered this long after it was written goes to the dead letters
 * @param keepDelivered how long delivered drafts stay readable locally (screen pops) before compaction drops them
 * @param backoffBase   first retry delay; doubles per attempt, with jitter
 * @param backoffCap    longest retry delay
 * @param workers       delivery threads (concurrent requests to the ticket backend)
 */
public record OutboxSettings(
        Path dir,
        long maxBytes,
        double alarmRatio,
        long segmentBytes,
        Duration maxAge,
        Duration keepDelivered,
        Duration backoffBase,
        Duration backoffCap,
        int workers) {

    public OutboxSettings {
        if (segmentBytes > maxBytes / 2) {
            throw new IllegalArgumentException("outbox.segment-bytes must be at most half of outbox.max-bytes");
        }
        if (backoffCap.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("outbox.backoff-cap must not be shorter than outbox.backoff-base");
        }
    }

    /** Defaults for a directory (commands and tests). */
    public static OutboxSettings defaults(Path dir) {
        return new OutboxSettings(dir, 256L << 20, 0.8, 8L << 20, Duration.ofDays(3), Duration.ofHours(1),
                Duration.ofMillis(200), Duration.ofSeconds(30), 8);
    }

    public OutboxSettings withDir(Path other) {
        return new OutboxSettings(other, maxBytes, alarmRatio, segmentBytes, maxAge, keepDelivered, backoffBase, backoffCap, workers);
    }

    public OutboxSettings withWorkers(int count) {
        return new OutboxSettings(dir, maxBytes, alarmRatio, segmentBytes, maxAge, keepDelivered, backoffBase, backoffCap, count);
    }

    public static OutboxSettings read(ConfigFile cfg) {
        OutboxSettings d = defaults(cfg.baseDir().resolve("var/outbox"));
        long maxBytes = cfg.longValue("outbox.max-bytes", d.maxBytes(), 16L << 20, 1L << 40);
        long segmentBytes = cfg.longValue("outbox.segment-bytes", d.segmentBytes(), 64L << 10, 1L << 30);
        if (segmentBytes > maxBytes / 2) {
            cfg.problem("outbox.segment-bytes", "must be at most half of outbox.max-bytes (" + maxBytes + ")");
            segmentBytes = maxBytes / 2;
        }
        Duration base = cfg.duration("outbox.backoff-base", d.backoffBase());
        Duration cap = cfg.duration("outbox.backoff-cap", d.backoffCap());
        if (base.isZero() || cap.compareTo(base) < 0) {
            cfg.problem("outbox.backoff-cap", "backoff-base must be positive and backoff-cap at least backoff-base");
            base = d.backoffBase();
            cap = d.backoffCap();
        }
        return new OutboxSettings(
                cfg.path("outbox.dir", d.dir()),
                maxBytes,
                cfg.decimal("outbox.alarm-ratio", d.alarmRatio(), 0.1, 0.99),
                segmentBytes,
                cfg.duration("outbox.max-age", d.maxAge()),
                cfg.durationOrZero("outbox.keep-delivered", d.keepDelivered()),
                base,
                cap,
                cfg.integer("outbox.workers", d.workers(), 1, 256));
    }
}
