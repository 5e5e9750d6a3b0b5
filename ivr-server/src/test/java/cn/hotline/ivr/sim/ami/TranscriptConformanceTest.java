package cn.hotline.ivr.sim.ami;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.testing.SharedData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The simulator's messages against the verbatim Asterisk 22.10.1 capture in
 * {@code shared/ami-transcripts.md}: same header names in the same order, same fixed texts.
 */
class TranscriptConformanceTest {

    /** Headers whose values do not depend on the call: they must match the capture exactly. */
    private static final List<String> FIXED = List.of("Privilege", "ChannelState", "ChannelStateDesc", "Language",
            "AccountCode", "Context", "Priority", "Queue", "DestChannelState", "DestChannelStateDesc", "DestLanguage",
            "DestAccountCode", "DestContext", "DestPriority", "Strategy", "Max",
            "ServiceLevel", "Weight", "Ringinuse", "Wrapuptime", "EventList", "AMIversion", "AsteriskVersion", "Ping");

    /** Full messages of the transcript (code blocks starting with Event: or Response:), by kind. */
    private static Map<String, List<AmiMessage>> transcript() throws IOException {
        Path file = SharedData.require("ami-transcripts.md");
        Map<String, List<AmiMessage>> byKind = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("```")) {
                continue;
            }
            StringBuilder block = new StringBuilder();
            int j = i + 1;
            while (j < lines.size() && !lines.get(j).startsWith("```")) {
                block.append(lines.get(j)).append('\n');
                j++;
            }
            i = j;
            String text = block.toString();
            if (text.startsWith("Event: ") || text.startsWith("Response: ")) {
                Optional<AmiMessage> m = AmiMessage.read(new BufferedReader(new StringReader(text)), 500);
                m.ifPresent(msg -> byKind.computeIfAbsent(key(msg), k -> new ArrayList<>()).add(msg));
            }
        }
        return byKind;
    }

    /** Events by name; responses by their ActionID (login-1, qstat-idle, ...). */
    private static String key(AmiMessage m) {
        return m.get("Event").orElseGet(() -> "Response/" + m.getOr("ActionID", ""));
    }

    private static AmiMessage first(Map<String, List<AmiMessage>> t, String key) {
        List<AmiMessage> list = t.get(key);
        assertNotNull(list, "the transcript has no full " + key);
        return list.get(0);
    }

    @Test
    void queueEventsHaveAsterisksHeadersInAsterisksOrder() throws Exception {
        Map<String, List<AmiMessage>> t = transcript();
        Map<String, AmiMessage> sim = new LinkedHashMap<>();
        try (AmiServerSimulator s = AmiServerSimulator.start(AmiSimulatorConfig.defaults()
                .withTiming(Duration.ofMillis(30), Duration.ZERO), new InetSocketAddress("127.0.0.1", 0));
             RawAmiClient c = new RawAmiClient(s.port())) {
            c.login("hotline", "hotline123");
            c.until("FullyBooted");
            String a = s.newUniqueid();
            s.callerJoins(a, "Local/13800000001@queue-callers-00000000;2", "13800000001", 3);
            c.until("AgentConnect");
            s.pause("Local/agent2@agents", true, "lunch");
            c.until("QueueMemberPause");
            String b = s.newUniqueid();
            s.callerJoins(b, "Local/13800000002@queue-callers-00000003;2", "13800000002", 0);
            c.until("QueueCallerJoin");
            c.send("Action", "QueueStatus", "ActionID", "qstat-idle", "Queue", "12345-agents");
            c.until("QueueStatusComplete");
            c.send("Action", "QueueSummary", "ActionID", "qsum-all");
            c.until("QueueSummaryComplete");
            s.callerHangsUp(b);
            c.until("QueueCallerLeave");
            s.agentHangsUp("Local/agent1@agents");
            c.until("AgentComplete");
            c.until("QueueMemberStatus");
            s.memberAnswers("Local/agent1@agents", false);
            s.noAnswerTiming(Duration.ofMillis(50), Duration.ofSeconds(10));
            s.callerJoins(s.newUniqueid(), "Local/13800000003@queue-callers-00000005;2", "13800000003", 0);
            c.until("AgentRingNoAnswer");
            c.send("Action", "Ping", "ActionID", "ping-1");
            c.until("Success");
            c.send("Action", "CoreSettings", "ActionID", "coresettings-1");
            c.until("Success");
            c.send("Action", "Logoff", "ActionID", "logoff-1");
            c.until("Goodbye");
            for (AmiMessage m : c.seen) {
                String k = m.get("Event").orElseGet(() -> "Response/" + m.getOr("ActionID", ""));
                sim.putIfAbsent(k, m);
            }
        }
        for (String kind : List.of("QueueCallerJoin", "AgentCalled", "QueueMemberStatus", "QueueCallerLeave",
                "AgentConnect", "AgentComplete", "AgentRingNoAnswer", "QueueCallerAbandon", "QueueMemberPause", "QueueParams",
                "QueueMember", "QueueEntry", "QueueStatusComplete", "QueueSummary", "QueueSummaryComplete",
                "FullyBooted", "Response/login-1", "Response/qstat-idle", "Response/qsum-all",
                "Response/ping-1", "Response/coresettings-1", "Response/logoff-1")) {
            AmiMessage expected = first(t, kind);
            AmiMessage actual = sim.get(kind);
            assertNotNull(actual, "the simulator never sent " + kind);
            assertEquals(expected.names(), actual.names(), kind + ": header names and order");
            // Several captures of one event differ by situation (a hang-up vs a Redirect): one must match.
            List<String> mismatches = new ArrayList<>();
            boolean anyMatches = t.get(kind).stream().anyMatch(example -> {
                for (String fixed : FIXED) {
                    if (example.get(fixed).isPresent() && !example.get(fixed).equals(actual.get(fixed))) {
                        mismatches.add(fixed + ": captured " + example.get(fixed).get() + ", simulated "
                                + actual.get(fixed).orElse("(none)"));
                        return false;
                    }
                }
                return true;
            });
            assertTrue(anyMatches, kind + ": fixed values differ from every capture: " + mismatches);
        }
        // Fixed texts an AMI client may match on.
        for (String kind : List.of("Response/login-1", "Response/qstat-idle", "Response/qsum-all", "Response/logoff-1")) {
            assertEquals(first(t, kind).get("Message"), sim.get(kind).get("Message"), kind + " Message");
        }
        assertEquals(first(t, "Response/coresettings-1").headers(), sim.get("Response/coresettings-1").headers());
        assertEquals(first(t, "QueueMemberStatus").get("Privilege"), sim.get("QueueMemberStatus").get("Privilege"));
    }

    @Test
    void bannerAndResponsesAreCrlfFramedExactly() throws Exception {
        SharedData.require("ami-transcripts.md");
        try (AmiServerSimulator s = AmiServerSimulator.start(AmiSimulatorConfig.defaults(),
                new InetSocketAddress("127.0.0.1", 0));
             Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(("Action: Login\r\nActionID: login-1\r\nUsername: hotline\r\n"
                    + "Secret: hotline123\r\nEvents: off\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String expected = "Asterisk Call Manager/11.0.0\r\n"
                    + "Response: Success\r\nActionID: login-1\r\nMessage: Authentication accepted\r\n\r\n";
            byte[] got = readExactly(socket.getInputStream(), expected.length());
            assertEquals(expected, new String(got, StandardCharsets.US_ASCII));
            assertTrue(first(transcript(), "Response/login-1").toWire().equals(
                    expected.substring(expected.indexOf("Response:"))), "identical to the captured login answer");
        }
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] buf = in.readNBytes(n);
        assertEquals(n, buf.length, "connection closed early");
        return buf;
    }
}
