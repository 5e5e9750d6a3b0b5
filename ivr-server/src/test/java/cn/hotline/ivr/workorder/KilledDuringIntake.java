package cn.hotline.ivr.workorder;

import cn.hotline.ivr.agent.DraftPops;
import cn.hotline.ivr.flow.CallSession;
import cn.hotline.ivr.flow.FlowDecision;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.understanding.Understander;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * A test-only process standing in for the server while callers describe their problem: one caller
 * finishes (their draft is written), two are still speaking. It prints {@code speaking} once their
 * words have been reported and then waits to be killed.
 *
 * <p>Usage: {@code KilledDuringIntake OUTBOX_DIR}
 */
public final class KilledDuringIntake {
    static final String FINISHED = "1795448060.1";
    static final String SPEAKING = "1795448060.2";
    static final String SILENT = "1795448060.3";
    static final String WORDS = "西湖区文三路的路灯坏了一个星期了我的电话是13800138000";

    private KilledDuringIntake() {
    }

    static DraftWriter writer(Path outboxDir, Outbox outbox, IntakeCheckpoints checkpoints) throws Exception {
        Settings s = Settings.read(ConfigFile.fromYaml("t.yaml",
                "understanding:\n  home-city: 杭州市\noutbox:\n  dir: " + outboxDir + "\n", outboxDir, Map.of()));
        return new DraftWriter(Understander.create(s.understanding()), outbox, ZoneId.of("Asia/Shanghai"),
                DraftPops::channelVariables, checkpoints);
    }

    static CallSession call(String id) {
        return new CallSession(id, "057187654321", "12345", "PJSIP/carrier-trunk-0000002a", "zh", "hotline-12345",
                "12345", "hotline", List.of(), InetAddress.getLoopbackAddress(), Instant.parse("2026-12-06T01:00:00Z"));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Outbox outbox = Outbox.open(OutboxSettings.defaults(dir), new SimpleMeterRegistry());
        IntakeCheckpoints checkpoints = IntakeCheckpoints.open(dir);
        DraftWriter writer = writer(dir, outbox, checkpoints);

        writer.intakeStarted(call(FINISHED));
        writer.heard(call(FINISHED), "小区门口的垃圾好几天没人收");
        writer.record(call(FINISHED), new FlowDecision("queue", "direct", List.of()),
                new IntakeResult(IntakeResult.Outcome.COMPLETED, "小区门口的垃圾好几天没人收了", 0.8, Duration.ofSeconds(4), ""));
        out.println("recorded " + FINISHED);

        writer.intakeStarted(call(SPEAKING));
        writer.intakeStarted(call(SILENT));
        writer.heard(call(SPEAKING), WORDS.substring(0, 6));
        writer.heard(call(SPEAKING), WORDS);
        out.println("speaking");
        Thread.sleep(Duration.ofMinutes(5)); // until SIGKILL
    }
}
