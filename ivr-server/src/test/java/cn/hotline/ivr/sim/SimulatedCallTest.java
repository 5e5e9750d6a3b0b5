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

    /** The replies after the environment, from a minimal server that does not close (so trailing lines are seen). */
    private static List<String> replies(SimulatedCall.Options options, List<String> commands, long pauseMs) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            var server = serve(listener, commands, pauseMs, false);
            new SimulatedCall((InetSocketAddress) listener.getLocalSocketAddress(), options, e -> { }).run();
            List<String> seen = server.get(20, java.util.concurrent.TimeUnit.SECONDS);
            return seen.subList(seen.indexOf("--") + 1, seen.size());
        }
    }

    /** handle_getdata's forms from ast_readstring: '#' alone, '#' after digits, max digits, a timeout with or without digits. */
    @Test
    void getDataAnswersAsAstReadstringEnds() throws Exception {
        String getData = "GET DATA hotline/menu 5000 4";
        assertEquals(List.of("200 result=", "200 result=12", "200 result=1234", "200 result=5 (timeout)",
                        "200 result= (timeout)", "still-open"),
                replies(SimulatedCall.Options.defaults().withDigits("#" + "12#" + "1234" + "5w" + "w"),
                        List.of(getData, getData, getData, getData, getData), 0));
        assertEquals(List.of("200 result=12 (timeout)", "still-open"),
                replies(SimulatedCall.Options.defaults().withDigits("12"), List.of(getData), 0),
                "digits that run out before max digits wait for the timeout");
    }

    /** run_agi writes HANGUP only between commands: the command under way answers first (-1), and at once. */
    @Test
    void aHangUpDuringAPromptIsAnsweredByItThenTheHangupLine() throws Exception {
        long t0 = System.nanoTime();
        List<String> replies = replies(SimulatedCall.Options.defaults().withHangupAfterMs(300)
                .withPromptTime(Duration.ofSeconds(5)), List.of("ANSWER", "STREAM FILE x \"\"", "GET DATA y 5000 1"), 0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(List.of("200 result=0", "200 result=-1 endpos=800", "HANGUP", SimulatedCall.DEAD_CHANNEL, "still-open"),
                replies);
        assertTrue(ms < 3_000, "the prompt must stop at the hang-up, took " + ms + " ms");
    }

    /** res_agi.c's command table: SET VARIABLE, EXEC, NOOP, VERBOSE and GET VARIABLE run on a dead channel. */
    @Test
    void deadCapableCommandsStillAnswerAfterAHangUp() throws Exception {
        List<String> replies = replies(SimulatedCall.Options.defaults().withHangupAfterMs(0),
                List.of("PAUSE", "SET VARIABLE IVR_STATUS OK", "NOOP", "VERBOSE hi 1", "EXEC Wait 1", "CHANNEL STATUS",
                        "SET MUSIC on", "ANSWER"), 300);
        assertEquals(List.of("HANGUP", "200 result=1", "200 result=0", "200 result=1", "200 result=-1",
                SimulatedCall.DEAD_CHANNEL, SimulatedCall.DEAD_CHANNEL, SimulatedCall.DEAD_CHANNEL, "still-open"), replies);
    }

    /** The caller hanging up during AudioSocket: the application returns -1, then Asterisk reports the hang-up. */
    @Test
    void aCallerHangUpDuringAudioSocketIsMinusOneThenTheHangupLine() throws Exception {
        SimulatedCall.Options options = SimulatedCall.Options.defaults().withAudio((uuid, at) -> {
            throw new SimulatedCall.CallerHungUp();
        });
        String exec = "EXEC AudioSocket 0b9f4a4e-3a55-4d2b-9a52-3f0b2f1c9f10,127.0.0.1:9";
        assertEquals(List.of("200 result=0", "200 result=-1", "HANGUP", SimulatedCall.DEAD_CHANNEL, "still-open"),
                replies(options, List.of("ANSWER", exec, "STREAM FILE x \"\""), 0));
        SimulatedCall.Options ended = SimulatedCall.Options.defaults().withAudio((uuid, at) -> 0);
        assertEquals(List.of("200 result=0", "200 result=0", "200 result=0 endpos=8000", "still-open"),
                replies(ended, List.of("ANSWER", exec, "STREAM FILE x \"\""), 0), "the server ended it: the call goes on");
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    /** One RECORD FILE from a minimal server; returns its reply and the time it took, in ms. */
    private record Recorded(String reply, long ms) {
    }

    private Recorded record(SimulatedCall.Options options, String args, java.util.function.Consumer<SimulatedCall> during)
            throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Recorded> server = CompletableFuture.supplyAsync(() -> {
                try (Socket s = listener.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    while (!in.readLine().isEmpty()) {
                        // the environment
                    }
                    long t0 = System.nanoTime();
                    s.getOutputStream().write(("RECORD FILE " + dir.resolve("rec") + " wav \"0123456789*#\" " + args + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                    String reply = in.readLine();
                    return new Recorded(reply, (System.nanoTime() - t0) / 1_000_000);
                } catch (Exception e) {
                    return new Recorded("error:" + e, -1);
                }
            });
            SimulatedCall call = new SimulatedCall((InetSocketAddress) listener.getLocalSocketAddress(), options, e -> { });
            Thread caller = Thread.ofVirtual().start(call::run);
            during.accept(call);
            Recorded r = server.get(20, java.util.concurrent.TimeUnit.SECONDS);
            caller.join(5_000);
            return r;
        }
    }

    @Test
    void recordFileEndsOnSilenceWithTheMillisecondsLeftAsItsResultAsResAgiDoes() throws Exception {
        // The caller says something for 0.5 s, then is silent: s=1 ends it 1 s later, long before the 5 s limit.
        Recorded r = record(SimulatedCall.Options.defaults().withRecordTalk(Duration.ofMillis(500)), "5000 0 s=1", c -> { });
        var m = java.util.regex.Pattern.compile("200 result=(\\d+) \\(timeout\\) endpos=(\\d+)").matcher(r.reply());
        assertTrue(m.matches(), r.reply());
        assertTrue(r.ms() < 3000, "ended on silence, not on the time limit: " + r.ms() + " ms");
        long left = Long.parseLong(m.group(1));
        assertTrue(left > 2500 && left <= 3600, "the time left of the 5 s limit, not 0: " + r.reply());
        assertTrue(Long.parseLong(m.group(2)) >= 4000, "the words and 1 s of the silence are kept: " + r.reply());
        cn.hotline.ivr.media.Pcm kept = cn.hotline.ivr.media.Pcm.readWav(dir.resolve("rec.wav"));
        assertTrue(kept.seconds() >= 0.5 && kept.seconds() < 2, "what Asterisk keeps: " + kept.seconds());
    }

    @Test
    void recordFileStopsOnlyOnAnEscapeDigitAndCutsItsTone() throws Exception {
        Recorded r = record(SimulatedCall.Options.defaults(), "4000 0 s=2", call -> {
            pause(300);
            call.receiveDtmf('A'); // not an escape digit: Asterisk records on
            pause(300);
            call.receiveDtmf('#');
        });
        var m = java.util.regex.Pattern.compile("200 result=35 \\(dtmf\\) endpos=(\\d+)").matcher(r.reply());
        assertTrue(m.matches(), r.reply());
        assertTrue(r.ms() >= 550, "'A' did not end it: " + r.ms() + " ms");
        long endpos = Long.parseLong(m.group(1));
        assertTrue(endpos <= r.ms() * 8 - 1600 + 800, "the last 200 ms (the key's tone) are cut off: " + r.reply());
    }

    @Test
    void recordFileAnswersAHangUpAtOnceThenTheBareHangupLine() throws Exception {
        Recorded r = record(SimulatedCall.Options.defaults().withHangupAfterMs(400), "10000 0 s=2", c -> { });
        assertTrue(r.reply().matches("200 result=-1 \\(hangup\\) endpos=\\d+"), r.reply());
        assertTrue(r.ms() < 3000, "not after the 10 s limit: " + r.ms());
    }

    @Test
    void recordFileThatCannotWriteItsFileFailsAtOnce() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("rec"), "a file, not a directory");
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            var server = serve(listener, List.of("RECORD FILE " + dir.resolve("rec").resolve("x") + " wav \"#\" 5000 0 s=2"),
                    0, true);
            long t0 = System.nanoTime();
            new SimulatedCall((InetSocketAddress) listener.getLocalSocketAddress(), SimulatedCall.Options.defaults(), e -> { })
                    .run();
            List<String> seen = server.get();
            assertEquals("200 result=-1 (writefile)", seen.get(seen.size() - 1));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000, "ast_writefile fails before anything is recorded");
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
