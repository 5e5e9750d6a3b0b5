package cn.hotline.ivr.sim.ami;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.Main;
import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AmiSimulatorCommandTest {

    @Test
    void runsFeedsCallersAndPrintsTotals() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"sim-ami", "--bind", "127.0.0.1:0", "--agents", "3", "--ring-ms", "10",
                "--talk-ms", "50", "--callers-per-minute", "3000", "--duration-ms", "1500"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode start = Json.MAPPER.readTree(lines[0]);
        assertEquals("12345-agents", start.path("queue").asText());
        assertTrue(start.path("ami").asText().startsWith("127.0.0.1:"));
        JsonNode totals = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertTrue(totals.path("joined").asInt() > 10, "about 75 callers at 50 per second: " + totals);
        assertTrue(totals.path("answered").asInt() > 0, totals.toString());
    }

    @Test
    void badOptionsAreUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"sim-ami", "--agents", "0"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--agents"));
        assertEquals(2, Main.run(new String[] {"sim-ami", "--bind", "nowhere"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())));
    }
}
