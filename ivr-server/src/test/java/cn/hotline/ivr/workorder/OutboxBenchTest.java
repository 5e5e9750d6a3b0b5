package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark runs end to end and reports every number (no timing is asserted). */
class OutboxBenchTest {
    @TempDir
    Path tmp;

    @Test
    void smallRunPrintsTheMeasurementsAsJson() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = OutboxBench.run(Args.of("--drafts", "40", "--threads", "4", "--workers", "4", "--rate", "400",
                "--speakers", "50", "--speak-s", "1", "--backend", "in-process", "--dir", tmp.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, code);
        JsonNode r = Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(40, r.get("delivery").get("delivered").asInt());
        for (String phase : new String[] {"fsyncBaseline", "persist", "persistAtRateWhileDelivering"}) {
            assertTrue(r.get(phase).get("p99Ms").asDouble() >= r.get(phase).get("p50Ms").asDouble(), phase);
        }
        assertTrue(r.get("delivery").get("deliveredPerSecond").asDouble() > 0);
        JsonNode checkpoints = r.get("intakeCheckpoints");
        assertEquals(50, checkpoints.get("speakers").asInt());
        assertTrue(checkpoints.get("reportP99Us").asDouble() >= checkpoints.get("reportP50Us").asDouble());
        assertTrue(checkpoints.get("fileBytesAtEnd").asLong() > 0, "the words reached the file");
    }
}
