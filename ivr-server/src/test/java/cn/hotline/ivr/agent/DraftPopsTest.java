package cn.hotline.ivr.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.workorder.Call;
import cn.hotline.ivr.workorder.Draft;
import cn.hotline.ivr.workorder.Outbox;
import cn.hotline.ivr.workorder.OutboxSettings;
import cn.hotline.ivr.workorder.SampleDrafts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Screen pops read from the real outbox. */
class DraftPopsTest {
    @TempDir
    Path tmp;

    private static Draft from(String id, String callerNumber, Instant createdAt) {
        Draft d = SampleDrafts.complaint(id, createdAt);
        Call c = d.call();
        return new Draft(d.schemaVersion(), id, createdAt,
                new Call(callerNumber, c.line(), c.dialled(), c.receivedAt(), c.timeZone(), c.language()),
                d.intake(), d.requestType(), d.topic(), d.region(), d.urgency(), d.summary(), d.slots());
    }

    @Test
    void twoCallsUnderOneUniqueidPopTheAnsweredCallersDraftNotTheOthers() throws Exception {
        OutboxSettings settings = new OutboxSettings(tmp, 64L << 20, 0.8, 1L << 20, Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofMillis(20), Duration.ofMillis(200), 1);
        try (Outbox outbox = Outbox.open(settings, new SimpleMeterRegistry())) {
            DraftPops pops = new DraftPops(outbox);
            String uniqueid = "1795449623.7";
            Instant now = Instant.now();
            // Asterisk B's caller came first and got the id; Asterisk A's caller, answered now, got "-2".
            outbox.persist(from(uniqueid, "13900000002", now));
            assertEquals("13900000002", pops.find(uniqueid, "13900000002").orElseThrow().callerNumber(),
                    "one draft under the id: that is the caller's");
            outbox.persist(from(uniqueid + "-2", "13800000001", now.plusMillis(5)));

            assertEquals(uniqueid + "-2", pops.find(uniqueid, "13800000001").orElseThrow().draftId());
            assertEquals(uniqueid, pops.find(uniqueid, "13900000002").orElseThrow().draftId());
            assertTrue(pops.find(uniqueid, "13700000003").isEmpty(), "neither caller: no draft rather than a stranger's");
        }
    }
}
