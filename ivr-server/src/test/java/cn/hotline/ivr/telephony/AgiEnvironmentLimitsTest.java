package cn.hotline.ivr.telephony;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.HotlineServer;
import cn.hotline.ivr.sim.SimulatedCall;
import cn.hotline.ivr.testing.LogCapture;
import cn.hotline.ivr.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connections that have not sent their whole environment: a deadline for all of it, no call slot
 * until it is complete, and a separate bound on how many may be waiting.
 */
class AgiEnvironmentLimitsTest {
    private HotlineServer server;
    private final LogCapture log = new LogCapture(FastAgiServer.class);
    private final List<Socket> idle = new ArrayList<>();

    private void start(String agiKeys) throws Exception {
        server = TestServer.start(TestServer.PORTS.replace("agi:\n", "agi:\n" + agiKeys));
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : idle) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        log.close();
    }

    private Socket connectIdle() throws IOException {
        Socket s = new Socket(server.agiAddress().getAddress(), server.agiAddress().getPort());
        s.setSoTimeout(5_000);
        idle.add(s);
        return s;
    }

    @Test
    void aPeerTricklingItsEnvironmentIsCutOffAtTheDeadline() throws Exception {
        start("  environment-timeout: 300ms\n");
        Socket s = connectIdle();
        long t0 = System.nanoTime();
        // One byte every 100 ms: each read is well inside 300 ms, the whole environment never is.
        Thread trickle = Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = s.getOutputStream();
                for (byte b : AgiPeer.environment("1795448040.301").getBytes(StandardCharsets.UTF_8)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // The server closed on us: that is the point.
            }
        });
        assertEquals(-1, readUntilClosed(s));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        trickle.interrupt();
        trickle.join();
        assertTrue(ms >= 250 && ms < 1_500, "closed after " + ms + " ms, expected about the 300 ms deadline");
        waitFor(() -> log.any("WARN", "AGI environment not complete"));
        assertTrue(log.any("WARN", "dropped FastAGI connection from 127.0.0.1: AGI environment not complete after 300 ms ("),
                log.lines().toString());
        waitFor(() -> server.agiServer().openConnections() == 0);
        assertEquals(0, server.agiServer().openConnections());
        assertEquals(0, server.agiServer().pendingConnections());
    }

    @Test
    void connectionsStillSendingTheirEnvironmentTakeNoCallSlot() throws Exception {
        start("  environment-timeout: 5s\n  max-calls: 2\n");
        for (int i = 0; i < 3; i++) {
            connectIdle().getOutputStream().write("agi_network: yes\n".getBytes(StandardCharsets.UTF_8));
        }
        waitFor(() -> server.agiServer().pendingConnections() == 3);
        assertEquals(3, server.agiServer().pendingConnections());
        assertEquals(0, server.agiServer().activeCalls());
        SimulatedCall.Result r = TestServer.call(server, SimulatedCall.Options.defaults());
        assertEquals("OK", r.variables().get("IVR_STATUS"), "idle connections took the call slots: " + r);
    }

    @Test
    void connectionsOverMaxPendingAreRefusedWithALogLine() throws Exception {
        start("  environment-timeout: 5s\n  max-pending: 2\n");
        connectIdle();
        connectIdle();
        waitFor(() -> server.agiServer().pendingConnections() == 2);
        try (Socket third = new Socket(server.agiAddress().getAddress(), server.agiAddress().getPort())) {
            third.setSoTimeout(2_000);
            assertEquals(-1, readUntilClosed(third), "the third connection must be closed at once");
        }
        waitFor(() -> log.any("WARN", "agi.max-pending"));
        assertTrue(log.any("WARN", "refused FastAGI connection from 127.0.0.1: 2 connections are still sending "
                + "their AGI environment (agi.max-pending=2)"), log.lines().toString());
        for (Socket s : idle) {
            s.close();
        }
        waitFor(() -> server.agiServer().pendingConnections() == 0 && server.agiServer().openConnections() == 0);
        assertEquals(0, server.agiServer().pendingConnections());
        assertEquals(0, server.agiServer().openConnections());
        SimulatedCall.Result r = TestServer.call(server, SimulatedCall.Options.defaults());
        assertEquals("OK", r.variables().get("IVR_STATUS"), "server stopped serving: " + r);
    }

    /** Reads until the server closes; returns -1 when it did (a reset counts as closed). */
    private static int readUntilClosed(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            int b;
            do {
                b = in.read();
            } while (b >= 0);
            return b;
        } catch (SocketException e) {
            return -1;
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
