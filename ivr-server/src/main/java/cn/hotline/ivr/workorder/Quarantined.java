package cn.hotline.ivr.workorder;

import java.nio.file.Path;

/**
 * An outbox record that could not be used (damaged on disk, or unreadable as a draft): where it was,
 * how big, why, and where a copy of its bytes now lives (null when only inspected, not opened).
 */
public record Quarantined(String segment, long offset, int bytes, String reason, Path file) {
}
