package cn.hotline.ivr.workorder;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A test-only process run with a file size limit ({@code ulimit -f}), standing in for a disk that
 * fills up while callers describe their problem: twelve callers speak, more than the limit allows in
 * one file, so writes fail (the last line cut short, mid-character). It prints {@code full}; with
 * {@code room}, six callers' drafts are then written (their checkpoints end) and the rest keep speaking,
 * so the file fits again; it prints {@code done} and waits to be killed.
 *
 * <p>Usage: {@code DiskFullDuringIntake OUTBOX_DIR full|room}
 */
public final class DiskFullDuringIntake {
    static final int CALLERS = 12;
    static final Instant T0 = Instant.parse("2026-12-06T01:00:00Z");

    private DiskFullDuringIntake() {
    }

    static String id(int caller) {
        return "1795448100." + caller;
    }

    /**
     * About 1.4 KB of a caller's words in round {@code round}; their length puts the 16 KB limit in
     * the middle of a character (a torn UTF-8 sequence), as a full disk may.
     */
    static String words(int caller, int round) {
        return ("第" + round + "轮 第" + caller + "位来电人：").concat("小区门口的垃圾好几天没人收了味道很大".repeat(25));
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        IntakeCheckpoints checkpoints = IntakeCheckpoints.open(Path.of(args[0]));
        for (int i = 1; i <= CALLERS; i++) {
            checkpoints.started(id(i), "13800138000", "12345", "PJSIP/carrier-trunk-0000000" + i, "zh", T0.plusSeconds(i));
            checkpoints.heard(id(i), words(i, 0));
        }
        Thread.sleep(IntakeCheckpoints.INTERVAL.multipliedBy(3).plusMillis(500)); // three rounds of the writer fail
        out.println("full");
        if (args[1].equals("room")) {
            for (int i = 1; i <= CALLERS / 2; i++) {
                checkpoints.settled(id(i));
            }
            for (int i = CALLERS / 2 + 1; i <= CALLERS; i++) {
                checkpoints.heard(id(i), words(i, 1));
            }
            Thread.sleep(IntakeCheckpoints.INTERVAL.multipliedBy(3).plusMillis(500));
            out.println("done");
        }
        Thread.sleep(Duration.ofMinutes(5)); // until SIGKILL
    }
}
