package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.testing.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The benchmarks run end to end and print their JSON (numbers are not judged here: that is what the benchmark is for). */
class BenchCommandsTest {
    @Test
    void mediaBenchStreamsRealClipsAndReportsJson() throws Exception {
        String clips = SharedData.require("audio/zh").toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = MediaBench.run(Args.of("--streams", "3", "--duration", "2", "--ramp", "0.2", "--clips", clips),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        JsonNode j = Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(3, j.get("streams").asInt());
        assertTrue(j.get("captures").asLong() >= 3, j.toString());
        assertEquals(j.get("captures").asLong(), j.get("outcomes").get("COMPLETED").asLong(), j.toString());
        assertTrue(j.get("framesInPerSecond").asDouble() > 0);
        assertTrue(j.get("detectionDelayMs").get("p50").isNumber(), j.toString());
    }

    @Test
    void benchesRejectBadInputClearly() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, MediaBench.run(Args.of("--streams", "1", "--clips", "/nonexistent"), o, e));
        assertEquals(1, VoskBench.run(Args.of("--model", "/nonexistent/model"), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("scripts/fetch-model"));
    }
}
