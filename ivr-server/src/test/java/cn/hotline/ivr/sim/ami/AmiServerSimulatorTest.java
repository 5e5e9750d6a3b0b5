package cn.hotline.ivr.sim.ami;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulated Asterisk over real TCP, spoken to with raw AMI text. */
class AmiServerSimulatorTest {
    private AmiServerSimulator sim;

    @BeforeEach
    void start() throws Exception {
        sim = AmiServerSimulator.start(AmiSimulatorConfig.defaults()
                        .withTiming(Duration.ofMillis(50), Duration.ZERO).withBadLoginDelay(Duration.ofMillis(100)),
                new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void bannerLoginAndPingLookLikeAsterisk() throws Exception {
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            assertEquals("Asterisk Call Manager/11.0.0", c.banner);
            c.login("hotline", "hotline123");
            AmiMessage ok = c.next();
            assertEquals(List.of("Response", "ActionID", "Message"), ok.names());
            assertEquals("Authentication accepted", ok.getOr("Message", ""));
            assertEquals("login-1", ok.getOr("ActionID", ""));
            assertEquals("FullyBooted", c.next().kind());
            c.send("Action", "Ping", "ActionID", "ping-1");
            AmiMessage pong = c.until("Success");
            assertEquals("Pong", pong.getOr("Ping", ""));
            assertEquals("ping-1", pong.getOr("ActionID", ""));
            c.send("Action", "NoSuchAction", "ActionID", "bad-1");
            AmiMessage err = c.until("Error");
            assertEquals("Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands.",
                    err.getOr("Message", ""));
        }
    }

    @Test
    void playDtmfAnswersAsAppSendDtmfDoes() throws Exception {
        java.util.concurrent.BlockingQueue<Character> received = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean(true);
        String channel = "PJSIP/trunk-0000002a";
        try (RawAmiClient c = new RawAmiClient(sim.port());
             var live = sim.liveChannel(channel, received::add, up::get)) {
            c.login("hotline", "hotline123");
            c.until("FullyBooted");
            // asterisk-java writes lower-case names and Receive as "true"; astman_get_header ignores case.
            c.send("action", "PlayDTMF", "actionid", "d-1", "receive", "true", "channel", channel, "digit", "#");
            AmiMessage ok = c.until("Success");
            assertEquals(List.of("Response", "ActionID", "Message"), ok.names(), "astman_send_ack");
            assertEquals("DTMF successfully queued", ok.getOr("Message", ""));
            assertEquals('#', received.poll(5, java.util.concurrent.TimeUnit.SECONDS));
            c.send("Action", "PlayDTMF", "ActionID", "d-2", "Channel", channel, "Digit", "1", "Duration", "100ms");
            assertEquals("DTMF successfully queued", c.until("Success").getOr("Message", ""), "sscanf reads 100");
            assertEquals(null, received.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS),
                    "without Receive the digit goes to the caller's phone, not to what the channel reads");
            c.send("Action", "PlayDTMF", "ActionID", "d-3", "Channel", channel, "Digit", "1", "Duration", "ms");
            assertEquals("Could not convert Duration parameter", c.until("Error").getOr("Message", ""));
            c.send("Action", "PlayDTMF", "ActionID", "d-4", "Channel", channel);
            assertEquals("No digit specified", c.until("Error").getOr("Message", ""));
            up.set(false); // the caller hangs up; the AGI server has not closed the script yet
            c.send("Action", "PlayDTMF", "ActionID", "d-5", "Channel", channel, "Digit", "#", "Receive", "yes");
            AmiMessage gone = c.until("Error");
            assertEquals(List.of("Response", "ActionID", "Message"), gone.names(), "astman_send_error");
            assertEquals("Channel not found", gone.getOr("Message", ""));
            assertEquals("d-5", gone.getOr("ActionID", ""));
        }
    }

    @Test
    void actionsAndEventsFollowTheUsersReadAndWriteClasses() throws Exception {
        sim.close();
        sim = AmiServerSimulator.start(AmiSimulatorConfig.defaults().withPermissions("agent", "call")
                        .withTiming(Duration.ofMillis(50), Duration.ZERO),
                new InetSocketAddress("127.0.0.1", 0));
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            c.login("hotline", "hotline123");
            assertEquals("Authentication accepted", c.until("Success").getOr("Message", ""));
            // manager.c process_message: writeperm & authority, else "Permission denied" (astman_send_error).
            c.send("Action", "CoreSettings", "ActionID", "cs-1");
            AmiMessage denied = c.next();
            assertEquals(List.of("Response", "ActionID", "Message"), denied.names(),
                    "no FullyBooted first: action_login sends it only to a user who reads 'system'");
            assertEquals("Permission denied", denied.getOr("Message", ""));
            c.send("Action", "QueueStatus", "ActionID", "qs-1", "Queue", "12345-agents");
            assertEquals("Queue status will follow", c.until("Success").getOr("Message", ""), "authority 0");
            c.until("QueueStatusComplete");
            c.send("Action", "UserEvent", "ActionID", "ue-1", "UserEvent", "Pop");
            assertEquals("Permission denied", c.until("Error").getOr("Message", ""), "UserEvent needs write 'user'");
            sim.callerJoins(sim.newUniqueid(), "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);
            assertEquals("QueueCallerJoin", c.until("QueueCallerJoin").kind(), "agent events reach read = agent");
            assertEquals(List.of("CoreSettings", "UserEvent"), sim.refusedActions());
        }
        assertEquals(Optional.of(true), AmiServerSimulator.actionPermitted("CoreSettings", "call,reporting"));
        assertEquals(Optional.of(false), AmiServerSimulator.actionPermitted("PlayDTMF", "reporting"));
        assertEquals(Optional.of(true), AmiServerSimulator.actionPermitted("Ping", "call"));
    }

    @Test
    void aMemberInWrapUpIsNotRungUntilItEnds() throws Exception {
        sim.wrapupTime(Duration.ofMillis(700));
        sim.pause("Local/agent2@agents", true, "one agent");
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            c.login("hotline", "hotline123");
            c.until("FullyBooted");
            sim.callerJoins(sim.newUniqueid(), "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);
            c.until("AgentConnect");
            String second = sim.newUniqueid();
            sim.callerJoins(second, "Local/13800000002@queue-callers-00000001;2", "13800000002", 0);
            assertTrue(sim.agentHangsUp("Local/agent1@agents"));
            long ended = System.nanoTime();
            assertEquals(0, sim.freeMembers(), "NOT_INUSE but in wrap-up");
            AmiMessage called = c.until("AgentCalled");
            long afterMs = (System.nanoTime() - ended) / 1_000_000;
            assertEquals(second, called.getOr("Uniqueid", ""));
            assertTrue(afterMs >= 600, "rung " + afterMs + " ms after the last call ended");
        }
    }

    @Test
    void wrongSecretIsRefusedAndTheSocketClosed() throws Exception {
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            c.login("hotline", "wrong-password");
            AmiMessage err = c.next();
            assertEquals("Error", err.kind());
            assertEquals("Authentication failed", err.getOr("Message", ""));
            assertTrue(c.closedBefore("Never"), "Asterisk hangs up after a failed login");
        }
    }

    @Test
    void actionsBeforeLoginAreRefused() throws Exception {
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            c.send("Action", "QueueStatus", "ActionID", "q");
            assertEquals("Permission denied", c.next().getOr("Message", ""));
        }
    }

    @Test
    void callerIsRungAnsweredAndCompletedWithTheCallersUniqueid() throws Exception {
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            c.login("hotline", "hotline123");
            c.until("FullyBooted");
            String id = sim.newUniqueid();
            sim.callerJoins(id, "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);
            AmiMessage join = c.until("QueueCallerJoin");
            assertEquals(id, join.getOr("Uniqueid", ""));
            assertEquals("1", join.getOr("Position", ""));
            AmiMessage called = c.until("AgentCalled");
            assertEquals("Local/agent1@agents", called.getOr("Interface", ""));
            AmiMessage leave = c.until("QueueCallerLeave");
            assertEquals("0", leave.getOr("Count", ""));
            AmiMessage connect = c.until("AgentConnect");
            assertEquals(id, connect.getOr("Uniqueid", ""));
            assertEquals("Alice", connect.getOr("MemberName", ""));
            assertEquals("13800000001", connect.getOr("CallerIDNum", ""));
            assertTrue(connect.getOr("DestChannel", "").startsWith("Local/agent1@agents-"));
            assertTrue(sim.agentHangsUp("Local/agent1@agents"));
            AmiMessage complete = c.until("AgentComplete");
            assertEquals("agent", complete.getOr("Reason", ""));
            AmiMessage free = c.until("QueueMemberStatus");
            assertEquals("1", free.getOr("Status", ""));
            assertEquals("1", free.getOr("CallsTaken", ""));
        }
    }

    @Test
    void aMemberWhoDoesNotAnswerGivesAgentRingNoAnswerAndTheNextMemberIsTried() throws Exception {
        sim.memberAnswers("Local/agent1@agents", false);
        sim.noAnswerTiming(Duration.ofMillis(100), Duration.ofMillis(50));
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            c.login("hotline", "hotline123");
            c.until("FullyBooted");
            String id = sim.newUniqueid();
            sim.callerJoins(id, "Local/13800000001@queue-callers-00000000;2", "13800000001", 3);
            assertEquals("Local/agent1@agents", c.until("AgentCalled").getOr("Interface", ""));
            AmiMessage noAnswer = c.until("AgentRingNoAnswer");
            assertEquals(id, noAnswer.getOr("Uniqueid", ""));
            assertEquals("Ringing", noAnswer.getOr("DestChannelStateDesc", ""));
            assertTrue(Long.parseLong(noAnswer.getOr("RingTime", "0")) >= 100, "RingTime is in milliseconds here");
            assertEquals("1", c.until("QueueMemberStatus").getOr("Status", ""), "agent1 is free again");
            assertEquals("Local/agent2@agents", c.until("AgentCalled").getOr("Interface", ""));
            AmiMessage connect = c.until("AgentConnect");
            assertEquals("Bob", connect.getOr("MemberName", ""));
            assertEquals(id, connect.getOr("Uniqueid", ""));
        }
    }

    @Test
    void agentsBecomeFreeOverTimeWithSpreadTalkTimes() throws Exception {
        sim.timing(Duration.ofMillis(10), Duration.ofMillis(200));
        sim.talkVariation(0.5, 7);
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            c.login("hotline", "hotline123");
            c.until("FullyBooted");
            for (int i = 0; i < 4; i++) {
                sim.callerJoins(sim.newUniqueid(), "Local/1380000000" + i + "@queue-callers-0000000" + i + ";2",
                        "1380000000" + i, 0);
            }
            int connects = 0;
            int completes = 0;
            while (completes < 4) {
                AmiMessage m = c.next();
                if (m.kind().equals("AgentConnect")) {
                    connects++;
                } else if (m.kind().equals("AgentComplete")) {
                    completes++;
                    assertEquals("agent", m.getOr("Reason", ""));
                }
            }
            assertEquals(4, connects, "two agents served four callers one after another");
            assertEquals(2, sim.freeMembers());
            assertEquals(0, sim.callersWaiting());
        }
    }

    @Test
    void higherQueuePrioJumpsAheadAndQueueStatusListsEntriesInOrder() throws Exception {
        sim.pause("Local/agent1@agents", true, "training");
        sim.pause("Local/agent2@agents", true, "training");
        try (RawAmiClient c = new RawAmiClient(sim.port())) {
            c.login("hotline", "hotline123");
            c.until("FullyBooted");
            String d = sim.newUniqueid();
            String e = sim.newUniqueid();
            sim.callerJoins(d, "Local/13800000004@queue-callers-00000007;2", "13800000004", 0);
            sim.callerJoins(e, "Local/13800000005@queue-callers-00000008;2", "13800000005", 10);
            c.until("QueueCallerJoin");
            AmiMessage joinE = c.until("QueueCallerJoin");
            assertEquals("1", joinE.getOr("Position", ""), "QUEUE_PRIO 10 goes ahead of priority 0");
            assertEquals("2", joinE.getOr("Count", ""));
            c.send("Action", "QueueStatus", "ActionID", "qstat-busy", "Queue", "12345-agents");
            c.until("Success");
            c.until("QueueParams");
            c.until("QueueMember");
            c.until("QueueMember");
            AmiMessage first = c.until("QueueEntry");
            AmiMessage second = c.until("QueueEntry");
            assertEquals(e, first.getOr("Uniqueid", ""));
            assertEquals("10", first.getOr("Priority", ""));
            assertEquals(d, second.getOr("Uniqueid", ""));
            AmiMessage done = c.until("QueueStatusComplete");
            assertEquals("5", done.getOr("ListItems", ""));
            // A redirect or hang-up while waiting: Abandon, then Leave.
            assertTrue(sim.callerHangsUp(d));
            AmiMessage abandon = c.until("QueueCallerAbandon");
            assertEquals("2", abandon.getOr("Position", ""));
            assertEquals("1", abandon.getOr("OriginalPosition", ""));
            AmiMessage leave = c.next();
            assertEquals("QueueCallerLeave", leave.kind());
            assertEquals("1", leave.getOr("Count", ""));
        }
    }
}
