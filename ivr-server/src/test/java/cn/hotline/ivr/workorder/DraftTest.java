package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DraftTest {
    private static final Path SCHEMA = Path.of("..", "docs", "draft.schema.json");

    @Test
    void fullDraftRoundTripsThroughJsonKeepingTheLocalOffset() {
        Draft draft = SampleDrafts.complaint("1795448040.1", Instant.parse("2026-11-23T01:15:02.123Z"));
        Draft back = Draft.fromJson(draft.toJson());
        assertEquals(draft, back);
        assertEquals(ZoneOffset.ofHours(8), back.call().receivedAt().getOffset());
        assertTrue(new String(draft.toJson(), StandardCharsets.UTF_8).contains("\"receivedAt\":\"2026-11-23T09:14:22.123+08:00\""));
    }

    @Test
    void degradedDraftWithoutUnderstandingRoundTrips() {
        Call call = new Call("", "PJSIP/trunk-12345", "12345", OffsetDateTime.parse("2026-11-23T09:00:00+08:00"), "Asia/Shanghai", "zh-CN");
        Intake intake = Intake.from(IntakeResult.skipped(IntakeResult.Outcome.OVERLOADED, "decoding pool full"));
        Draft draft = Draft.of("host-a-1795448040.7", call, intake, null, null, null, null, null, null);
        Draft back = Draft.fromJson(draft.toJson());
        assertEquals(draft, back);
        assertNull(back.topic());
        assertEquals(Intake.Outcome.SKIPPED, back.intake().outcome());
        assertEquals("OVERLOADED", back.intake().reason());
    }

    @Test
    void intakeOutcomesMapToCompletedPreemptedOrSkipped() {
        assertEquals(Intake.Outcome.COMPLETED, Intake.from(new IntakeResult(IntakeResult.Outcome.COMPLETED, "停水", 0.9, Duration.ofSeconds(3), "")).outcome());
        assertEquals(Intake.Outcome.PREEMPTED, Intake.from(IntakeResult.skipped(IntakeResult.Outcome.PREEMPTED, "agent free")).outcome());
        for (IntakeResult.Outcome o : List.of(IntakeResult.Outcome.NO_INPUT, IntakeResult.Outcome.DTMF, IntakeResult.Outcome.FAILED)) {
            Intake i = Intake.from(IntakeResult.skipped(o, "why"));
            assertEquals(Intake.Outcome.SKIPPED, i.outcome());
            assertEquals(o.name(), i.reason());
            assertEquals("why", i.detail());
        }
    }

    @Test
    void invalidDraftJsonNamesWhatIsWrong() {
        String json = new String(SampleDrafts.complaint("1795448040.2", Instant.now()).toJson(), StandardCharsets.UTF_8)
                .replace("\"confidence\":0.87", "\"confidence\":1.87");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Draft.fromJson(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("transcript confidence must be between 0 and 1"), e.getMessage());
        String badId = new String(SampleDrafts.complaint("1795448040.2", Instant.now()).toJson(), StandardCharsets.UTF_8)
                .replace("1795448040.2", "../etc/passwd");
        e = assertThrows(IllegalArgumentException.class, () -> Draft.fromJson(badId.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("draft id must be the call id"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Draft.fromJson("{".getBytes(StandardCharsets.UTF_8)));
    }

    /** The documented schema and the records must not drift apart. */
    @Test
    void schemaDocumentsEveryFieldOfEveryRecord() throws Exception {
        JsonNode schema = Json.MAPPER.readTree(SCHEMA.toFile());
        assertFields(schema, Draft.class);
        for (Class<?> part : List.of(Call.class, Intake.class, Classified.class, Topic.class, Region.class, Evidence.class,
                Slot.class)) {
            JsonNode def = schema.get("$defs").get(part.getSimpleName());
            assertTrue(def != null, "schema has no $defs/" + part.getSimpleName());
            assertFields(def, part);
        }
        JsonNode sample = Json.MAPPER.readTree(SampleDrafts.complaint("1795448040.3", Instant.now()).toJson());
        assertEquals(names(schema.get("properties").fieldNames()), names(sample.fieldNames()));
        Set<String> sources = new TreeSet<>();
        schema.get("$defs").get("Region").get("properties").get("source").get("enum").forEach(n -> sources.add(n.asText()));
        assertEquals(new TreeSet<>(Arrays.stream(Region.Source.values()).map(Enum::name).toList()), sources);
    }

    private static void assertFields(JsonNode def, Class<?> record) {
        Set<String> components = new TreeSet<>(Arrays.stream(record.getRecordComponents()).map(c -> c.getName()).toList());
        assertEquals(components, names(def.get("properties").fieldNames()), "properties of " + record.getSimpleName());
        Set<String> required = new TreeSet<>();
        def.get("required").forEach(n -> required.add(n.asText()));
        assertEquals(components, required, "required of " + record.getSimpleName());
    }

    private static Set<String> names(java.util.Iterator<String> it) {
        List<String> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return new TreeSet<>(list);
    }
}
