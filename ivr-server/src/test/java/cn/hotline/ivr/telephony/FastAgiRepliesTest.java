package cn.hotline.ivr.telephony;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.HotlineServer;
import cn.hotline.ivr.flow.HotlineFlow;
import cn.hotline.ivr.sim.SimulatedCall;
import cn.hotline.ivr.testing.LogCapture;
import cn.hotline.ivr.testing.TestServer;
import cn.hotline.ivr.workorder.DraftWriter;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Asterisk's replies the flow does not expect, over a real socket: a refused command (510, both forms
 * of 520) is a failed step on a live channel, a broken reply is a protocol error, and only HANGUP,
 * 511 or a close between commands is the caller hanging up.
 */
class FastAgiRepliesTest {
    private static final String SYNTAX_ONE_LINE = "520 Invalid command syntax.  Proper usage not available.";
    private static final String SYNTAX_MULTI_LINE = """
            520-Invalid command syntax.  Proper usage follows:
             Usage: STREAM FILE <filename> <escape_digits> [sample offset]
                    Send the given file, allowing playback to be interrupted by the given digits, if any.
            520 End of proper usage.""";

    private HotlineServer server;
    private LogCapture serverLog;
    private LogCapture flowLog;
    private LogCapture draftLog;
    private Set<Thread> platformThreadsBefore;

    @BeforeEach
    void start() throws Exception {
        serverLog = new LogCapture(FastAgiServer.class);
        flowLog = new LogCapture(HotlineFlow.class);
        draftLog = new LogCapture(DraftWriter.class);
        // A reply timeout short enough that a reader stalled on a reply fails the test, not the build.
        server = TestServer.start(TestServer.PORTS.replace("agi:\n", "agi:\n  reply-timeout: 20s\n"));
        TestServer.call(server, SimulatedCall.Options.defaults());
        platformThreadsBefore = Thread.getAllStackTraces().keySet();
    }

    @AfterEach
    void stop() {
        server.close();
        serverLog.close();
        flowLog.close();
        draftLog.close();
    }

    private AgiPeer.Result call(String uniqueId, java.util.function.BiFunction<Integer, String, String> replies)
            throws Exception {
        return AgiPeer.call(server.agiAddress(), uniqueId, replies);
    }

    private static java.util.function.BiFunction<Integer, String, String> onStreamFile(String reply) {
        return (i, command) -> command.startsWith("STREAM FILE") ? reply : null;
    }

    /** The fallback on a live channel: a draft, then the queue with IVR_STATUS=ERROR, and the socket closed. */
    private void assertQueuedWithError(String id, AgiPeer.Result r, String warning) throws Exception {
        assertTrue(r.serverClosed(), "the server must close the socket: " + r);
        assertEquals("ERROR", r.variables().get("IVR_STATUS"), r.toString());
        assertEquals("queue", r.variables().get("IVR_ROUTE"), r.toString());
        assertEquals("error", r.variables().get("IVR_REASON"), r.toString());
        assertTrue(flowLog.lines().stream().anyMatch(l -> l.startsWith("WARN [" + id + "] " + warning)
                && l.endsWith("; the caller goes to the queue with IVR_STATUS=ERROR")), flowLog.lines().toString());
        assertTrue(draftLog.any("INFO [" + id + "]", "draft persisted"), draftLog.lines().toString());
        assertNotAHangup(id);
        assertNothingLeaked();
        assertStillServes();
    }

    private void assertNotAHangup(String id) throws InterruptedException {
        waitFor(() -> serverLog.any("INFO [" + id + "]", "call ended"));
        assertFalse(serverLog.lines().stream().anyMatch(l -> l.contains(id) && l.contains("hung up")), serverLog.lines().toString());
        assertFalse(Stream.of(serverLog, flowLog).flatMap(l -> l.lines().stream()).anyMatch(l -> l.contains("+stacktrace")));
    }

    @Test
    void singleLine520IsACompleteReplyAndAFailedStep() throws Exception {
        long t0 = System.nanoTime();
        AgiPeer.Result r = call("1795448040.101", onStreamFile(SYNTAX_ONE_LINE));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3_000, "the call took " + ms + " ms: the reader waited for a second 520 line");
        assertQueuedWithError("1795448040.101", r,
                "Asterisk rejected STREAM FILE: 520 Invalid command syntax.  Proper usage not available.");
    }

    @Test
    void multiLine520IsReadToItsEndAndIsAFailedStep() throws Exception {
        AgiPeer.Result r = call("1795448040.102", onStreamFile(SYNTAX_MULTI_LINE));
        assertQueuedWithError("1795448040.102", r, "Asterisk rejected STREAM FILE: 520 Invalid command syntax.  "
                + "Proper usage follows: Usage: STREAM FILE <filename> <escape_digits> [sample offset] Send the given file,");
        // The usage lines were consumed as part of the reply, not taken as replies to later commands.
        assertEquals("SET VARIABLE \"IVR_DRAFT_ID\" \"1795448040.102\"", r.commands().get(2), r.commands().toString());
    }

    @Test
    void unknownCommand510IsAFailedStepToo() throws Exception {
        AgiPeer.Result r = call("1795448040.103", (i, c) -> i == 0 ? "510 Invalid or unknown command" : null);
        assertEquals("ANSWER", r.commands().get(0));
        assertQueuedWithError("1795448040.103", r, "Asterisk rejected ANSWER: 510 Invalid or unknown command");
    }

    /** A protocol error: logged as such, a draft written, nothing more sent, the socket closed. */
    private void assertProtocolError(String id, AgiPeer.Result r, String reason) throws Exception {
        waitFor(() -> flowLog.any("WARN [" + id + "]", "malformed reply"));
        assertTrue(flowLog.any("WARN [" + id + "]", "Asterisk sent a malformed reply to STREAM FILE: " + reason
                + "; connection closed, the dialplan's fail-open queues the caller"), flowLog.lines().toString());
        assertEquals(2, r.commands().size(), "nothing may be sent after a malformed reply: " + r.commands());
        waitFor(() -> draftLog.any("INFO [" + id + "]", "draft persisted"));
        assertTrue(draftLog.any("INFO [" + id + "]", "draft persisted"), draftLog.lines().toString());
        assertNotAHangup(id);
        assertNothingLeaked();
        assertStillServes();
    }

    @Test
    void aReplyThatIsNotACodeIsAProtocolError() throws Exception {
        AgiPeer.Result r = call("1795448040.104", onStreamFile("blah blah"));
        assertTrue(r.serverClosed());
        assertProtocolError("1795448040.104", r, "not '<3-digit code> ...': 'blah blah' (9 characters)");
    }

    @Test
    void aReplyLineOverTheLimitIsAProtocolError() throws Exception {
        AgiPeer.Result r = call("1795448040.105", onStreamFile("200 result=0 " + "x".repeat(9000)));
        assertProtocolError("1795448040.105", r, "line longer than 8192 bytes");
    }

    @Test
    void aReplyCutOffByACloseIsAProtocolError() throws Exception {
        AgiPeer.Result r = call("1795448040.106", onStreamFile(AgiPeer.PARTIAL_THEN_CLOSE + "200 res"));
        assertProtocolError("1795448040.106", r, "connection closed in the middle of a line");
    }

    @Test
    void aBareHangupLineIsTheCallerHangingUpAtOnce() throws Exception {
        long t0 = System.nanoTime();
        AgiPeer.Result r = call("1795448040.107", onStreamFile("HANGUP"));
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 3_000, "waited for a reply after HANGUP");
        assertTrue(r.serverClosed());
        waitFor(() -> serverLog.any("INFO [1795448040.107]", "call ended"));
        assertTrue(serverLog.any("INFO [1795448040.107]", "caller hung up"), serverLog.lines().toString());
        assertFalse(flowLog.any("WARN", "1795448040.107"));
        assertNothingLeaked();
    }

    @Test
    void deadChannel511IsTheCallerHangingUp() throws Exception {
        AgiPeer.Result r = call("1795448040.108",
                onStreamFile("511 Command Not Permitted on a dead channel or intercept routine"));
        assertTrue(r.serverClosed());
        waitFor(() -> serverLog.any("INFO [1795448040.108]", "call ended"));
        assertTrue(serverLog.any("INFO [1795448040.108]", "caller hung up"), serverLog.lines().toString());
        assertNothingLeaked();
    }

    private void assertStillServes() {
        SimulatedCall.Result r = TestServer.call(server, SimulatedCall.Options.defaults());
        assertEquals("OK", r.variables().get("IVR_STATUS"), "server stopped serving: " + r);
    }

    private void assertNothingLeaked() throws InterruptedException {
        waitFor(() -> server.agiServer().openConnections() == 0 && server.agiServer().activeCalls() == 0);
        assertEquals(0, server.agiServer().openConnections(), "sockets still open");
        assertEquals(0, server.agiServer().activeCalls(), "calls still active");
        waitFor(() -> newThreads().size() <= 1);
        assertTrue(newThreads().size() <= 1, "platform threads left behind: " + newThreads());
    }

    private List<String> newThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !platformThreadsBefore.contains(t))
                .map(Thread::getName)
                .filter(n -> !n.startsWith("HttpClient-") && !n.startsWith("ForkJoinPool") && !n.startsWith("process reaper"))
                .toList();
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
