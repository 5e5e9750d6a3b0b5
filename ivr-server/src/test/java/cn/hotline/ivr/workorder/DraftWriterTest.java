package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.agent.DraftPops;
import cn.hotline.ivr.agent.ScreenPop;
import cn.hotline.ivr.flow.CallSession;
import cn.hotline.ivr.flow.DraftRecorder;
import cn.hotline.ivr.flow.FlowDecision;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.understanding.Understander;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** From the caller's words to a persisted draft and the agent's screen pop, with the real rooms. */
class DraftWriterTest {
    @TempDir
    Path dir;
    private Outbox outbox;
    private DraftWriter writer;

    @BeforeEach
    void open() throws Exception {
        Settings s = Settings.read(ConfigFile.fromYaml("t.yaml",
                "understanding:\n  home-city: 杭州市\noutbox:\n  dir: " + dir.resolve("outbox") + "\n", dir, Map.of()));
        outbox = Outbox.open(s.outbox(), new SimpleMeterRegistry());
        writer = new DraftWriter(Understander.create(s.understanding()), outbox, ZoneId.of("Asia/Shanghai"),
                DraftPops::channelVariables);
    }

    @AfterEach
    void close() throws Exception {
        outbox.close();
    }

    private static CallSession call(String id, String number) {
        return new CallSession(id, number, "12345", "PJSIP/carrier-trunk-0000002a", "zh", "hotline-12345", "12345",
                "hotline", List.of(), InetAddress.getLoopbackAddress(), Instant.parse("2026-11-23T02:00:00Z"));
    }

    private static IntakeResult heard(String words) {
        return new IntakeResult(IntakeResult.Outcome.COMPLETED, words, 0.82, Duration.ofSeconds(6), "");
    }

    @Test
    void theCallersWordsBecomeAPersistedDraftWithEvidence() {
        String words = "我要投诉西湖区文三路的小区物业乱收停车费每个月多收两百元";
        DraftRecorder.Recorded r = writer.record(call("1795448040.11", "13800138000"),
                new FlowDecision("queue", "direct", List.of()), heard(words));
        assertEquals("1795448040.11", r.draftId());
        assertEquals("", r.emergencyTarget());
        Draft d = outbox.find("1795448040.11").orElseThrow();
        assertEquals(words, d.intake().transcript());
        assertEquals("西湖区", d.region().districtName());
        assertEquals(Region.Source.SPEECH, d.region().source());
        assertFalse(d.topic().code().equals("unknown"), d.topic().toString());
        assertTrue(d.topic().catalogueVersion().startsWith("city-12345"), d.topic().catalogueVersion());
        assertEquals("PJSIP/carrier-trunk", d.call().line());
        assertEquals("+08:00", d.call().receivedAt().getOffset().getId());
        for (Evidence e : d.region().evidence()) {
            assertEquals(e.text(), words.substring(e.start(), e.end()), "evidence points at the caller's words");
        }
        ScreenPop pop = new DraftPops(outbox).find("1795448040.11").orElseThrow();
        assertTrue(pop.fields().stream().anyMatch(f -> f.key().equals("region") && f.value().contains("西湖区")),
                pop.fields().toString());
        assertEquals("1795448040.11", r.channelVariables().get("IVR_DRAFT_ID"));
        assertTrue(r.channelVariables().containsKey("IVR_DEPARTMENT"), r.channelVariables().toString());
    }

    @Test
    void nothingSaidStillLeavesADraftWithTheRegionBehindTheNumber() {
        writer.record(call("1795448040.12", "057187654321"), new FlowDecision("queue", "direct", List.of()),
                IntakeResult.skipped(IntakeResult.Outcome.SKIPPED, "agent free"));
        Draft d = outbox.find("1795448040.12").orElseThrow();
        assertEquals("杭州市", d.region().cityName());
        assertEquals("", d.region().districtName(), "never a district guessed from nothing");
        assertEquals(Region.Source.CALLER_NUMBER, d.region().source());
        assertEquals(Intake.Outcome.SKIPPED, d.intake().outcome());
        assertEquals("agent free", d.intake().detail());
    }

    @Test
    void anEmergencyInTheWordsAsksForTheEmergencyRoute() {
        DraftRecorder.Recorded r = writer.record(call("1795448040.13", "13800138000"),
                new FlowDecision("queue", "direct", List.of()), heard("快来人啊楼下厨房着火了烟很大"));
        assertEquals("119", r.emergencyTarget());
        assertEquals("emergency", outbox.find("1795448040.13").orElseThrow().urgency().code());
    }

    @Test
    void aFullOutboxIsOneErrorThatSaysWhatToDoAndTheCallerStillGoesOn() throws Exception {
        OutboxSettings tiny = new OutboxSettings(dir.resolve("tiny"), 1024, 0.8, 512, Duration.ofDays(1),
                Duration.ofHours(1), Duration.ofMillis(200), Duration.ofSeconds(30), 1);
        try (Outbox full = Outbox.open(tiny, new SimpleMeterRegistry());
             cn.hotline.ivr.testing.LogCapture logs = new cn.hotline.ivr.testing.LogCapture(DraftWriter.class)) {
            Settings s = Settings.read(ConfigFile.fromYaml("t.yaml", "understanding:\n  home-city: 杭州市\n", dir, Map.of()));
            DraftWriter w = new DraftWriter(Understander.create(s.understanding()), full, ZoneId.of("Asia/Shanghai"),
                    DraftPops::channelVariables);
            DraftRecorder.Recorded r = w.record(call("1795448040.61", "13800138000"),
                    new FlowDecision("queue", "direct", List.of()), heard("小区门口的路灯坏了一个星期"));
            assertEquals("", r.draftId(), "nothing to pop, but the caller is not held up");
            String line = logs.lines().stream().filter(l -> l.contains("NOT persisted")).findFirst().orElseThrow();
            assertTrue(line.startsWith("ERROR [") && line.contains("outbox.max-bytes"), line);
            assertFalse(line.contains("Exception"), "what to do, not a Java class name: " + line);
        }
    }

    @Test
    void aSecondCallWithTheSameUniqueidKeepsItsDraftUnderASuffixedId() {
        FlowDecision queue = new FlowDecision("queue", "direct", List.of());
        DraftRecorder.Recorded first = writer.record(call("1795448040.14", "13800138001"), queue, heard("小区停水三天了"));
        DraftRecorder.Recorded other = writer.record(call("1795448040.14", "13900139002"), queue, heard("楼上装修噪音"));
        assertEquals("1795448040.14", first.draftId());
        assertEquals("1795448040.14-2", other.draftId());
        assertEquals("13900139002", outbox.find("1795448040.14-2").orElseThrow().call().callerNumber());
        assertEquals("13800138001", outbox.find("1795448040.14").orElseThrow().call().callerNumber());
    }
}
