package cn.hotline.ivr.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The benchmark runs end to end on a small load and prints its JSON (numbers are not judged here). */
class ScreenPopBenchTest {

    @Test
    void smallRunPopsEveryCallAndPrintsJson() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ScreenPopBench.run(Args.of("--callers", "2", "--agents", "2", "--warmup", "0", "--ring-ms", "10",
                "--talk-ms", "3000", "--talk-spread", "0"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
        JsonNode result = Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(2, result.path("pops").asInt());
        assertEquals(0, result.path("missing").asInt());
        assertTrue(result.path("popToDeskMs").path("p99").asDouble() >= result.path("popToDeskMs").path("p50").asDouble());
    }

    @Test
    void nonsenseOptionsAreRefused() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, ScreenPopBench.run(Args.of("--callers", "0"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--callers"));
    }
}
