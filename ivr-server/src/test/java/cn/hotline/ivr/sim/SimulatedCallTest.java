package cn.hotline.ivr.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The simulator must answer exactly as Asterisk 22 does (PROTOCOLS.md); checked here from the server's side. */
class SimulatedCallTest {

    /** A minimal FastAGI server script: reads the environment, sends commands, records the replies. */
    private static CompletableFuture<List<String>> serve(ServerSocket listener, List<String> commands, long pauseBeforeMs,
            boolean close) {
        return CompletableFuture.supplyAsync(() -> {
            List<String> seen = new ArrayList<>();
            try (Socket s = listener.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while (!(line = in.readLine()).isEmpty()) {
                    seen.add(line);
                }
                seen.add("--");
                OutputStream out = s.getOutputStream();
                for (String command : commands) {
                    if (command.equals("PAUSE")) {
                        Thread.sleep(pauseBeforeMs);
                        continue;
                    }
                    out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    seen.add(in.readLine());
                }
                if (!close) {
                    s.setSoTimeout(300);
                    try {
                        String more;
                        while ((more = in.readLine()) != null) {
                            seen.add(more);
                        }
                        seen.add("closed-by-peer");
                    } catch (java.net.SocketTimeoutException e) {
                        seen.add("still-open");
                    }
                }
            } catch (Exception e) {
                seen.add("error:" + e);
            }
            return seen;
        });
    }

    @Test
    void environmentAndRepliesMatchAsterisk() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            var server = serve(listener, List.of("ANSWER", "STREAM FILE hotline/greeting \"12\"",
                    "GET DATA hotline/menu 5000 4", "GET DATA hotline/menu 5000 4", "SET VARIABLE IVR_ROUTE \"queue\"",
                    "GET VARIABLE IVR_ROUTE", "GET VARIABLE NOPE", "FOO BAR", "HANGUP"), 0, true);
            SimulatedCall.Result r = new SimulatedCall((InetSocketAddress) listener.getLocalSocketAddress(),
                    SimulatedCall.Options.defaults().withDigits("1" + "123#" + "w"), e -> { }).run();
            List<String> seen = server.get();
            int end = seen.indexOf("--");
            assertEquals(22, end, "Asterisk 22 sends 22 variables: " + seen);
            assertTrue(seen.contains("agi_network_script: hotline"));
            assertTrue(seen.contains("agi_dnid: 12345"));
            assertTrue(seen.contains("agi_accountcode: "), "empty values keep the trailing space");
            List<String> replies = seen.subList(end + 1, seen.size());
            assertEquals(List.of("200 result=0", "200 result=49 endpos=1600", "200 result=123",
                    "200 result= (timeout)", "200 result=1", "200 result=1 (queue)", "200 result=0",
                    "510 Invalid or unknown command", "200 result=1"), replies);
            assertEquals("queue", r.variables().get("IVR_ROUTE"));
            assertTrue(r.serverClosed());
        }
    }

    @Test
    void afterAHangUpCommandsGet511ExceptGetVariableAndTheSocketStaysOpen() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            var server = serve(listener, List.of("ANSWER", "PAUSE", "STREAM FILE x \"\"", "GET VARIABLE UNIQUEID"),
                    1500, false);
            SimulatedCall call = new SimulatedCall((InetSocketAddress) listener.getLocalSocketAddress(),
                    SimulatedCall.Options.defaults().withHangupAfterMs(700)
                            .withPromptTime(Duration.ZERO), e -> { });
            SimulatedCall.Result r = call.run();
            List<String> seen = server.get();
            List<String> replies = seen.subList(seen.indexOf("--") + 1, seen.size());
            assertEquals("200 result=0", replies.get(0));
            assertEquals("HANGUP", replies.get(1), "the bare HANGUP line arrives before the next reply");
            assertEquals(SimulatedCall.DEAD_CHANNEL, replies.get(2));
            assertEquals("200 result=1 (" + call.uniqueId() + ")", replies.get(3));
            assertEquals("still-open", replies.get(4), "Asterisk never closes the socket itself");
            assertEquals("caller_hangup", r.outcome());
        }
    }
}
