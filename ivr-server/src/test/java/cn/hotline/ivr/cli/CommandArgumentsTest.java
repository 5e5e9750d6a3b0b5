package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wording of command-line mistakes across commands: the first line names the mistake, exit 2. */
class CommandArgumentsTest {
    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
        String firstErrorLine() {
            return err.lines().findFirst().orElse("");
        }
    }

    private static Result ivr(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void checkConfigRefusesUnknownOptionsAndExtraArguments() throws Exception {
        Path file = Files.writeString(tmp.resolve("ivr.yaml"), "agi:\n  bind: 127.0.0.1:0\n");
        Result bogus = ivr("check-config", file.toString(), "--bogus");
        assertEquals(2, bogus.code());
        assertEquals("ivr check-config: unknown option --bogus", bogus.firstErrorLine());
        Result extra = ivr("check-config", file.toString(), "other.yaml");
        assertEquals(2, extra.code());
        assertEquals("ivr check-config: unexpected argument 'other.yaml'", extra.firstErrorLine());
    }

    @Test
    void ticketBackendSaysWhatPortRangeIsAllowed() {
        Result big = ivr("ticket-backend", "--port", "99999", "--data", tmp.toString());
        assertEquals(2, big.code());
        assertEquals("ivr ticket-backend: --port must be 1-65535 (or 0 for any free port), got 99999", big.firstErrorLine());
        assertEquals("ivr ticket-backend: missing required option --port", ivr("ticket-backend", "--data", tmp.toString()).firstErrorLine());
    }

    @Test
    void callValidatesKeysAndHangupTime() {
        Result keys = ivr("call", "--agi", "127.0.0.1:4573", "--digits", "abc!");
        assertEquals(2, keys.code());
        assertEquals("ivr call: --digits: 'abc!' is not a key sequence (keys are 0-9 * # A-D; w lets one prompt pass without a key)",
                keys.firstErrorLine());
        Result hangup = ivr("call", "--agi", "127.0.0.1:4573", "--hangup-after", "-5");
        assertEquals(2, hangup.code());
        assertEquals("ivr call: --hangup-after must be 0 or more milliseconds, got -5", hangup.firstErrorLine());
    }

    @Test
    void callRefusesADamagedWavBeforeDialling() throws Exception {
        Path wav = Files.write(tmp.resolve("cut.wav"), new byte[] {'R', 'I', 'F', 'F', 100, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 16, 0, 0, 0});
        Result r = ivr("call", "--agi", "127.0.0.1:4573", "--wav", wav.toString());
        assertEquals(2, r.code());
        assertEquals("ivr call: --wav: " + wav + ": damaged WAV: 'fmt ' chunk at offset 12 declares 16 bytes but only 0 follow"
                + " (truncated or corrupt file)", r.firstErrorLine());
    }

    @Test
    void callToAClosedPortSaysSoInWords() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result r = ivr("call", "--agi", "127.0.0.1:" + port, "--digits", "1#");
        assertEquals(1, r.code());
        String error = Json.MAPPER.readTree(r.out().strip()).get("error").asText();
        assertEquals("cannot connect to 127.0.0.1:" + port + ": connection refused (is the server running?)", error);
        assertFalse(r.out().contains("Exception"), r.out());
        assertTrue(r.err().isEmpty(), r.err());
    }
}
