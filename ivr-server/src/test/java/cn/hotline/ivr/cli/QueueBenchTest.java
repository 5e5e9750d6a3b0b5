package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ivr bench queue} on a tiny busy period: both runs complete and the report adds up. */
class QueueBenchTest {
    @TempDir
    Path noClips;

    @Test
    void tinyBusyPeriodIsMeasuredWithAndWithoutIntake() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = QueueBench.run(Args.of("--callers", "6", "--agents", "2", "--minutes", "0.05", "--talk-s", "1",
                "--ring-s", "0.2", "--prompt-ms", "100", "--clips", noClips.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        JsonNode r = Json.MAPPER.readTree(lines.get(lines.size() - 1));

        assertEquals(6, r.path("callers").asInt());
        assertEquals(2, r.path("agents").asInt());
        assertTrue(r.path("voices").asText().startsWith("silent callers"), r.path("voices").asText());
        assertEquals(0.1, r.path("transfer_line_s").asDouble(), 1e-9);
        for (String run : List.of("with_intake", "without_intake")) {
            assertEquals(6, r.path("answered").path(run).asInt(), run);
            assertEquals(0, r.path("abandoned").path(run).asInt(), run);
            double drafts = r.path("drafts_complete_at_answer").path(run).asDouble(-1);
            assertTrue(drafts >= 0 && drafts <= 1, run + " drafts " + drafts);
            JsonNode pop = r.path("pop_latency_ms").path(run);
            assertEquals(6, pop.path("count").asInt(), run);
            // Measured from a second AMI session, so a pop may beat "our" AgentConnect by a hair; never by seconds.
            assertTrue(pop.path("p50").isNumber() && pop.path("p99").asDouble() >= pop.path("p50").asDouble(), run);
            assertTrue(pop.path("p50").asDouble() > -100 && pop.path("p99").asDouble() < 5000, run + " " + pop);
        }

        JsonNode perCaller = r.path("per_caller");
        assertEquals(6, perCaller.size());
        double maxDiff = Double.NEGATIVE_INFINITY;
        double lastArrival = -1;
        for (JsonNode c : perCaller) {
            double arrival = c.path("arrival_s").asDouble();
            assertTrue(arrival >= lastArrival && arrival < 3.0, "arrivals sorted within --minutes: " + arrival);
            lastArrival = arrival;
            double with = c.path("with_intake_s").asDouble(-1);
            double without = c.path("without_intake_s").asDouble(-1);
            // At least the ring time; a caller never waits longer than the whole tiny period.
            assertTrue(with >= 0.2 && with < 30, "with intake " + with);
            assertTrue(without >= 0.2 && without < 30, "without intake " + without);
            assertEquals(with - without, c.path("diff_s").asDouble(), 0.011);
            assertTrue(!c.path("intake_outcome").asText().isEmpty());
            maxDiff = Math.max(maxDiff, c.path("diff_s").asDouble());
        }
        assertEquals(6, r.path("compared").asInt());
        assertEquals(maxDiff, r.path("max_diff_s").asDouble(), 1e-9);
        assertEquals(maxDiff <= 3.0, r.path("target_3s_met").asBoolean());
        assertTrue(r.path("p50_diff_s").asDouble() <= r.path("p99_diff_s").asDouble());
    }

    @Test
    void arrivalsAreSeededSortedAndWithinThePeriod() {
        double[] a = QueueBench.arrivals(50, 30, 7);
        assertArrayEquals(a, QueueBench.arrivals(50, 30, 7));
        for (int i = 0; i < a.length; i++) {
            assertTrue(a[i] >= 0 && a[i] < 30);
            assertTrue(i == 0 || a[i] >= a[i - 1]);
        }
        assertTrue(a[0] != QueueBench.arrivals(50, 30, 8)[0], "another seed gives another schedule");
    }
}
