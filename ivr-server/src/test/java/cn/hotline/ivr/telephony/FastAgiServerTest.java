package cn.hotline.ivr.telephony;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.HotlineServer;
import cn.hotline.ivr.flow.IntakeLine;
import cn.hotline.ivr.sim.SimulatedCall;
import cn.hotline.ivr.testing.LogCapture;
import cn.hotline.ivr.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The FastAGI server against real sockets: good calls, hang-ups, and every kind of bad input. */
class FastAgiServerTest {
    private static final String ENV_START = "agi_network: yes\nagi_network_script: hotline\nagi_request: agi://127.0.0.1/hotline\n";

    private HotlineServer server;
    private LogCapture log;
    private java.util.Set<Thread> platformThreadsBefore;

    @BeforeEach
    void start() throws Exception {
        log = new LogCapture(FastAgiServer.class);
        server = TestServer.start(TestServer.PORTS.replace("agi:\n", "agi:\n  environment-timeout: 300ms\n"));
        // One call first: the rooms behind the flow start some threads lazily (draft delivery, HTTP
        // client); those are the server's, not leaks of the connections under test.
        call(SimulatedCall.Options.defaults());
        platformThreadsBefore = Thread.getAllStackTraces().keySet();
    }

    @AfterEach
    void stop() {
        server.close();
        log.close();
    }

    private SimulatedCall.Result call(SimulatedCall.Options options) {
        return TestServer.call(server, options);
    }

    /** No socket left open, no call left active, no platform thread left behind. */
    private void assertNothingLeaked() throws InterruptedException {
        waitFor(() -> server.agiServer().openConnections() == 0 && server.agiServer().activeCalls() == 0);
        assertEquals(0, server.agiServer().openConnections(), "sockets still open");
        assertEquals(0, server.agiServer().activeCalls(), "calls still active");
        waitFor(() -> newThreads().size() <= 1);
        assertTrue(newThreads().size() <= 1, "platform threads left behind: " + newThreads());
    }

    /**
     * Platform threads started since the warm-up call and still alive, except the JDK's own shared
     * pools (another test class's HTTP client or common pool may wind down meanwhile).
     */
    private java.util.List<String> newThreads() {
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

    private void assertStillServes() {
        SimulatedCall.Result r = call(SimulatedCall.Options.defaults());
        assertEquals("OK", r.variables().get("IVR_STATUS"), "server stopped serving: " + r);
    }

    @Test
    void aCallRunsTheFlowAndTheServerClosesTheSocket() throws Exception {
        SimulatedCall.Result r = call(SimulatedCall.Options.defaults());
        assertEquals("completed", r.outcome());
        assertTrue(r.serverClosed());
        assertEquals("queue", r.variables().get("IVR_ROUTE"));
        assertEquals("OK", r.variables().get("IVR_STATUS"));
        assertTrue(r.exchanges().get(0).command().startsWith("ANSWER"));
        assertTrue(log.any("INFO", "call started script=hotline caller=138****8000"), log.lines().toString());
        assertEquals(2, log.lines().stream().filter(l -> l.contains("call finished")).count(), "the warm-up call and this one");
        assertFalse(log.lines().stream().anyMatch(l -> l.contains("13800138000")), "caller number logged in clear");
        assertNothingLeaked();
    }

    @Test
    void callerHangingUpMidCommandEndsWithOneInfoLineAndAClosedSocket() throws Exception {
        SimulatedCall.Result r = call(SimulatedCall.Options.defaults()
                .withPromptTime(Duration.ofMillis(300)).withHangupAfterMs(100));
        assertEquals("caller_hangup", r.outcome());
        assertTrue(r.serverClosed(), "the server must close the socket; Asterisk does not");
        String callLine = "[" + r.callId() + "]";
        assertEquals(1, log.lines().stream().filter(l -> l.startsWith("INFO " + callLine) && l.contains("call ended")).count(),
                log.lines().toString());
        assertFalse(log.lines().stream().anyMatch(l -> l.startsWith("ERROR") || l.contains("+stacktrace")));
        assertNothingLeaked();
    }

    @Test
    void garbageEnvironmentIsDroppedWithAClearWarning() throws Exception {
        try (Socket s = connect()) {
            send(s, "hello asterisk\nthis is not agi\n\n");
            assertEquals(-1, readUntilClosed(s));
        }
        waitFor(() -> log.any("WARN", "is not 'agi_name: value'"));
        assertTrue(log.any("WARN", "AGI environment line 1 is not 'agi_name: value'"), log.lines().toString());
        assertNothingLeaked();
        assertStillServes();
    }

    @Test
    void truncatedEnvironmentIsDropped() throws Exception {
        try (Socket s = connect()) {
            send(s, ENV_START);
            s.shutdownOutput();
            assertEquals(-1, readUntilClosed(s));
        }
        waitFor(() -> log.any("WARN", "before the end of the AGI environment"));
        assertTrue(log.any("WARN", "connection closed before the end of the AGI environment (after 3 lines)"),
                log.lines().toString());
        assertNothingLeaked();
        assertStillServes();
    }

    @Test
    void environmentWithoutUniqueIdIsDropped() throws Exception {
        try (Socket s = connect()) {
            send(s, ENV_START + "\n");
            assertEquals(-1, readUntilClosed(s));
        }
        waitFor(() -> log.any("WARN", "no agi_uniqueid"));
        assertTrue(log.any("WARN", "no agi_uniqueid"), log.lines().toString());
        assertNothingLeaked();
    }

    @Test
    void lineOverEightKilobytesIsRefused() throws Exception {
        try (Socket s = connect()) {
            send(s, ENV_START + "agi_calleridname: " + "x".repeat(9000) + "\n\n");
            assertEquals(-1, readUntilClosed(s));
        }
        waitFor(() -> log.any("WARN", "line longer than 8192 bytes"));
        assertTrue(log.any("WARN", "line longer than 8192 bytes"), log.lines().toString());
        assertNothingLeaked();
        assertStillServes();
    }

    @Test
    void aPeerThatConnectsAndSendsNothingIsCutOff() throws Exception {
        long start = System.nanoTime();
        try (Socket s = connect()) {
            assertEquals(-1, readUntilClosed(s));
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 250 && ms < 3000, "closed after " + ms + " ms, expected about the 300 ms environment timeout");
        waitFor(() -> log.any("WARN", "peer sent nothing"));
        assertTrue(log.any("WARN", "peer sent nothing for 300 ms"), log.lines().toString());
        assertNothingLeaked();
    }

    @Test
    void disconnectMidCommandEndsTheCallCleanly() throws Exception {
        try (Socket s = connect()) {
            send(s, ENV_START + "agi_uniqueid: 1795448040.77\nagi_callerid: 13800138000\n\n");
            String first = readLine(s.getInputStream());
            assertEquals("ANSWER", first);
        }
        waitFor(() -> log.any("INFO", "call ended"));
        assertTrue(log.any("INFO", "call ended"), log.lines().toString());
        assertFalse(log.lines().stream().anyMatch(l -> l.contains("+stacktrace")), log.lines().toString());
        assertNothingLeaked();
        assertStillServes();
    }

    @Test
    void unknownScriptIsReportedToTheDialplan() throws Exception {
        Instant before = Instant.now();
        SimulatedCall.Result r = call(SimulatedCall.Options.defaults().withScript("org.evil.Script"));
        assertEquals("NO_SCRIPT", r.variables().get("IVR_STATUS"));
        assertArrivalOrderPriority(before, r);
        assertTrue(r.serverClosed());
        assertTrue(log.any("WARN", "no script mapped for 'org.evil.Script'"), log.lines().toString());
        assertNothingLeaked();
    }

    @Test
    void aPeerNotOnTheAllowlistIsRefused() throws Exception {
        server.close();
        server = TestServer.start(TestServer.PORTS.replace("agi:\n", "agi:\n  allowed-peers: [192.0.2.10]\n"));
        platformThreadsBefore = Thread.getAllStackTraces().keySet();
        SimulatedCall.Result r = call(SimulatedCall.Options.defaults());
        assertTrue(r.variables().isEmpty(), "a refused peer must not reach the flow");
        assertTrue(r.serverClosed());
        waitFor(() -> log.any("WARN", "refused FastAGI connection from 127.0.0.1"));
        assertTrue(log.any("WARN", "refused FastAGI connection from 127.0.0.1: not listed in agi.allowed-peers"));
        assertNothingLeaked();
    }

    @Test
    void callsOverTheLimitAreSentToTheQueueExplicitly() throws Exception {
        server.close();
        server = TestServer.start(TestServer.PORTS.replace("agi:\n", "agi:\n  max-calls: 1\n"));
        call(SimulatedCall.Options.defaults());
        waitFor(() -> server.agiServer().activeCalls() == 0); // the warm-up call's connection is fully gone
        platformThreadsBefore = Thread.getAllStackTraces().keySet();
        Thread holder = Thread.ofVirtual().start(() -> call(SimulatedCall.Options.defaults().withPromptTime(Duration.ofMillis(800))));
        waitFor(() -> server.agiServer().activeCalls() == 1);
        Instant before = Instant.now();
        SimulatedCall.Result second = call(SimulatedCall.Options.defaults());
        holder.join();
        assertEquals("OVERLOAD", second.variables().get("IVR_STATUS"));
        assertArrivalOrderPriority(before, second);
        assertTrue(log.any("WARN", "over agi.max-calls=1"), log.lines().toString());
        assertNothingLeaked();
    }

    /** A caller the server sends straight to the queue keeps their arrival order (not priority 0, the back). */
    private static void assertArrivalOrderPriority(Instant before, SimulatedCall.Result r) {
        String prio = r.variables().get("IVR_QUEUE_PRIO");
        assertTrue(prio != null && !prio.isEmpty(), "IVR_QUEUE_PRIO must be set: " + r.variables());
        int p = Integer.parseInt(prio);
        assertTrue(p <= IntakeLine.queuePriority(before) && p >= IntakeLine.queuePriority(Instant.now()),
                "priority of the arrival time, got " + p);
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(server.agiAddress().getAddress(), server.agiAddress().getPort());
        s.setSoTimeout(5_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads until the server closes; returns -1 (the end-of-stream marker) when it did. */
    private static int readUntilClosed(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        int b;
        do {
            b = in.read();
        } while (b >= 0);
        return b;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            sb.append((char) b);
        }
        return sb.toString();
    }
}
