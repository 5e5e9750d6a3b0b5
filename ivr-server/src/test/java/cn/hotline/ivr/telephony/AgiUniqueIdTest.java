package cn.hotline.ivr.telephony;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.HotlineServer;
import cn.hotline.ivr.flow.IntakeLine;
import cn.hotline.ivr.testing.LogCapture;
import cn.hotline.ivr.testing.TestServer;
import cn.hotline.ivr.workorder.DraftWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** agi_uniqueid is the log id and the draft id: checked once, when the environment is read. */
class AgiUniqueIdTest {
    private HotlineServer server;
    private LogCapture log;
    private LogCapture draftLog;

    @BeforeEach
    void start() throws Exception {
        log = new LogCapture(FastAgiServer.class);
        draftLog = new LogCapture(DraftWriter.class);
        server = TestServer.start(TestServer.PORTS);
    }

    @AfterEach
    void stop() {
        server.close();
        log.close();
        draftLog.close();
    }

    private void assertDroppedWithOneWarning(String uniqueId, String expected) throws Exception {
        AgiPeer.Result r = AgiPeer.call(server.agiAddress(), uniqueId, (i, c) -> null);
        assertTrue(r.serverClosed());
        assertTrue(r.commands().isEmpty(), "handled like a missing uniqueid: nothing sent, " + r.commands());
        waitFor(() -> server.agiServer().openConnections() == 0);
        assertEquals(0, server.agiServer().openConnections());
        List<String> warnings = log.lines().stream().filter(l -> l.startsWith("WARN")).toList();
        assertEquals(List.of("WARN [-] dropped FastAGI connection from 127.0.0.1: " + expected), warnings, log.lines().toString());
        assertFalse(log.lines().stream().anyMatch(l -> l.startsWith("ERROR") || l.contains("+stacktrace")), log.lines().toString());
        assertTrue(draftLog.lines().isEmpty(), draftLog.lines().toString());
    }

    @Test
    void aUniqueIdWithSpacesAndSlashesIsOneWarningNotAStackTrace() throws Exception {
        assertDroppedWithOneWarning("abc def/../x", "agi_uniqueid 'abc def/../x' (12 characters) is not an Asterisk "
                + "unique id ([systemname-]<epoch>.<sequence>, e.g. 1795448040.1)");
    }

    @Test
    void aPhoneNumberAsUniqueIdIsRefusedAndNeverLoggedInClear() throws Exception {
        assertDroppedWithOneWarning("13912345678", "agi_uniqueid '139****5678' (11 characters) is not an Asterisk "
                + "unique id ([systemname-]<epoch>.<sequence>, e.g. 1795448040.1)");
        // Shaped like a call id, but the 11-digit "epoch" is a mobile number: refused, and masked
        // although a decimal (general masking keeps call ids whole).
        AgiPeer.call(server.agiAddress(), "13912345678.1", (i, c) -> null);
        waitFor(() -> log.any("WARN", "'139****5678.1' (13 characters)"));
        assertTrue(log.any("WARN", "'139****5678.1' (13 characters)"), log.lines().toString());
        assertFalse(log.lines().stream().anyMatch(l -> l.contains("13912345678")), log.lines().toString());
    }

    @Test
    void aUniqueIdWithTheSystemNamePrefixIsAccepted() throws Exception {
        AgiPeer.Result r = AgiPeer.call(server.agiAddress(), "ivr-node-1-1795448040.12", (i, c) -> null);
        assertEquals("OK", r.variables().get("IVR_STATUS"), r.toString());
        assertEquals("ivr-node-1-1795448040.12", r.variables().get("IVR_DRAFT_ID"), r.toString());
    }

    @Test
    void anUnexpectedFailureIsOneErrorLineWithTheTraceOnlyAtDebug() throws Exception {
        AgiSettings settings = new AgiSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                List.of(InetAddress.getLoopbackAddress()), Duration.ofSeconds(1), Duration.ofSeconds(5), 8192, 10, 10);
        try (FastAgiServer agi = new FastAgiServer(settings,
                Map.of("hotline", (call, channel) -> {
                    throw new IllegalStateException("a bug in the script");
                }), new SimpleMeterRegistry())) {
            agi.start();
            Instant before = Instant.now();
            AgiPeer.Result r = AgiPeer.call(agi.address(), "1795448040.55", (i, c) -> null);
            assertEquals("ERROR", r.variables().get("IVR_STATUS"));
            int prio = Integer.parseInt(r.variables().getOrDefault("IVR_QUEUE_PRIO", "0"));
            assertTrue(prio <= IntakeLine.queuePriority(before)
                    && prio >= IntakeLine.queuePriority(Instant.now()),
                    "queued in arrival order, not at the back: " + r.variables());
            waitFor(() -> log.any("ERROR", "call failed"));
            List<String> lines = log.lines().stream().filter(l -> l.contains("call fail")).toList();
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(0).matches("ERROR \\[1795448040\\.55] call failed after \\d+ ms; the dialplan sees "
                    + "IVR_STATUS=ERROR: java.lang.IllegalStateException: a bug in the script"), lines.toString());
            assertEquals("DEBUG [1795448040.55] call failure +stacktrace", lines.get(1));
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void channelNamesAndDialledNumbersAreMaskedInTheCallStartedLine() {
        assertEquals("PJSIP/139****5678-0000002a", FastAgiServer.maskedChannel("PJSIP/13912345678-0000002a"));
        assertEquals("PJSIP/carrier-trunk-0000002a", FastAgiServer.maskedChannel("PJSIP/carrier-trunk-0000002a"));
        assertEquals("Local/139****5678@agents", FastAgiServer.maskedChannel("Local/13912345678@agents"));
    }
}
