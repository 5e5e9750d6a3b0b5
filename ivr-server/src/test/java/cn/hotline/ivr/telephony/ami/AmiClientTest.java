package cn.hotline.ivr.telephony.ami;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.sim.ami.AmiServerSimulator;
import cn.hotline.ivr.sim.ami.AmiSimulatorConfig;
import cn.hotline.ivr.testing.Await;
import cn.hotline.ivr.testing.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real Asterisk-Java client against the simulated Asterisk over loopback TCP. */
class AmiClientTest {
    private static final String QUEUE = "12345-agents";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private AmiServerSimulator sim;
    private AmiClient client;

    private AmiServerSimulator startSim(int port) throws Exception {
        sim = AmiServerSimulator.start(AmiSimulatorConfig.defaults()
                        .withTiming(Duration.ofMillis(50), Duration.ZERO).withBadLoginDelay(Duration.ofMillis(50)),
                new InetSocketAddress("127.0.0.1", port));
        return sim;
    }

    private AmiClient startClient(int port, String secret) {
        client = new AmiClient(AmiSettings.of("127.0.0.1", port, "hotline", secret, QUEUE), new SimpleMeterRegistry());
        client.start();
        return client;
    }

    /** A simulator and a client logged in to it with its queue read. */
    private void startConnected() throws Exception {
        startSim(0);
        startClient(sim.port(), "hotline123");
        awaitSynced();
    }

    private void awaitSynced() {
        Await.until("AMI login and first QueueStatus", WAIT,
                () -> client.isConnected() && client.queueState().synced(QUEUE));
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    /** The AMI user the server ships with: read/write of [ivr] in dialplans/manager.conf. */
    static String[] shippedUserClasses() throws Exception {
        String read = null;
        String write = null;
        boolean inIvr = false;
        for (String raw : java.nio.file.Files.readAllLines(java.nio.file.Path.of("..", "dialplans", "manager.conf"))) {
            String line = raw.replaceAll(";.*", "").strip();
            if (line.startsWith("[")) {
                inIvr = line.equals("[ivr]");
            } else if (inIvr && line.matches("read\\s*=.*")) {
                read = line.substring(line.indexOf('=') + 1).strip();
            } else if (inIvr && line.matches("write\\s*=.*")) {
                write = line.substring(line.indexOf('=') + 1).strip();
            }
        }
        assertNotNull(read, "manager.conf [ivr] read");
        assertNotNull(write, "manager.conf [ivr] write");
        return new String[] {read, write};
    }

    @Test
    void withTheShippedManagerConfNothingTheClientSendsIsRefused() throws Exception {
        // Asterisk-Java's login asks CoreSettings (manager.c: authority system|reporting), then Command "core show
        // version" (command), four times 500 ms apart, before it reports the login; with both refused it logs an
        // error and assumes Asterisk 16, so every (re)connect took over 2 s and the version was a guess.
        String[] classes = shippedUserClasses();
        sim = AmiServerSimulator.start(AmiSimulatorConfig.defaults().withPermissions(classes[0], classes[1])
                        .withTiming(Duration.ofMillis(50), Duration.ZERO),
                new InetSocketAddress("127.0.0.1", 0));
        long t0 = System.nanoTime();
        startClient(sim.port(), "hotline123");
        awaitSynced();
        long loginMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(java.util.List.of(), sim.refusedActions(), "actions refused by Asterisk for the [ivr] user");
        assertTrue(loginMs < 1_500, "login and first QueueStatus took " + loginMs + " ms");

        BlockingQueue<AgentConnect> answers = new LinkedBlockingQueue<>();
        client.onAgentConnect(answers::add);
        String id = sim.newUniqueid();
        String channel = "Local/13800000001@queue-callers-00000000;2";
        sim.callerJoins(id, channel, "13800000001", 0);
        assertEquals(id, answers.poll(10, TimeUnit.SECONDS).callId(), "queue events reach a read = agent user");
        assertTrue(client.setVariable(channel, "IVR_TAG", "x"));
        Await.until("Setvar applied", WAIT, () -> sim.channelVariable(id, "IVR_TAG").isPresent());
        assertEquals(java.util.List.of(), sim.refusedActions());
    }

    @Test
    void tracksAgentsAndCallersAndReportsAnswersWithTheCallersUniqueid() throws Exception {
        startConnected();
        assertTrue(client.known());
        assertEquals(2, client.queueState().freeMembers(QUEUE));
        assertTrue(client.agentFree(QUEUE));

        BlockingQueue<AgentConnect> answers = new LinkedBlockingQueue<>();
        BlockingQueue<MemberState> freed = new LinkedBlockingQueue<>();
        client.onAgentConnect(answers::add);
        client.onAgentFree(freed::add);

        String a = sim.newUniqueid();
        sim.callerJoins(a, "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);
        AgentConnect first = answers.poll(10, TimeUnit.SECONDS);
        assertNotNull(first, "AgentConnect for the first caller");
        assertEquals(a, first.callId());
        assertEquals("Local/agent1@agents", first.memberIface());
        assertEquals("Alice", first.memberName());
        assertEquals("13800000001", first.callerNumber());
        assertEquals(QUEUE, first.queue());

        String b = sim.newUniqueid();
        sim.callerJoins(b, "Local/13800000002@queue-callers-00000003;2", "13800000002", 0);
        assertEquals("Local/agent2@agents", answers.poll(10, TimeUnit.SECONDS).memberIface());
        Await.until("both agents busy", WAIT, () -> !client.agentFree(QUEUE));

        String c = sim.newUniqueid();
        sim.callerJoins(c, "Local/13800000003@queue-callers-00000005;2", "13800000003", 0);
        Await.until("third caller waiting", WAIT, () -> client.callersWaiting(QUEUE) == 1);
        assertEquals(c, client.queueState().callers(QUEUE).get(0).callId());
        assertFalse(client.agentFree(QUEUE));

        freed.clear();
        assertTrue(sim.agentHangsUp("Local/agent1@agents"));
        MemberState free = freed.poll(10, TimeUnit.SECONDS);
        assertNotNull(free, "agent1 reported free after AgentComplete");
        assertEquals("Local/agent1@agents", free.iface());
        AgentConnect third = answers.poll(10, TimeUnit.SECONDS);
        assertEquals(c, third.callId());
        Await.until("queue empty again", WAIT, () -> client.callersWaiting(QUEUE) == 0);
    }

    @Test
    void aCallerAlreadyBeingRungDoesNotHideTheOtherFreeAgent() throws Exception {
        startSim(0);
        sim.memberAnswers("Local/agent1@agents", false);
        sim.noAnswerTiming(Duration.ofSeconds(30), Duration.ofSeconds(2));
        startClient(sim.port(), "hotline123");
        awaitSynced();
        sim.callerJoins(sim.newUniqueid(), "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);
        Await.until("agent1 ringing for the caller", WAIT, () -> client.callersWaiting(QUEUE) == 1
                && client.queueState().callersUnassigned(QUEUE) == 0 && client.queueState().freeMembers(QUEUE) == 1);
        assertTrue(client.agentFree(QUEUE), "agent2 is free and nobody else is waiting for it");
        sim.pause("Local/agent2@agents", true, "lunch");
        Await.until("agent2 paused", WAIT, () -> client.queueState().freeMembers(QUEUE) == 0);
        assertFalse(client.agentFree(QUEUE));
    }

    @Test
    void aCallerOnItsWayFromIntakeHoldsTheFreeAgent() throws Exception {
        startConnected();
        sim.pause("Local/agent2@agents", true, "one agent is enough here");
        Await.until("one free agent", WAIT, () -> client.queueState().freeMembers(QUEUE) == 1);
        String leaving = sim.newUniqueid();
        AgentEvents.Subscription hold = client.reserve(QUEUE, leaving, Duration.ofSeconds(30));
        assertFalse(client.agentFree(QUEUE), "the only free agent is promised to the caller leaving intake");
        hold.close();
        assertTrue(client.agentFree(QUEUE));
        client.reserve(QUEUE, leaving, Duration.ofSeconds(30));
        BlockingQueue<AgentConnect> answers = new LinkedBlockingQueue<>();
        client.onAgentConnect(answers::add);
        sim.callerJoins(leaving, "Local/13800000001@queue-callers-00000000;2", "13800000001", 5);
        assertEquals(leaving, answers.poll(10, TimeUnit.SECONDS).callId());
        assertEquals(0, client.queueState().reservations(QUEUE), "released when the caller joined the queue");
    }

    @Test
    void aCallerLeavingIntakeLaterWaitsUntilTheEarlierOneHasJoinedTheQueue() throws Exception {
        startConnected();
        String earlier = sim.newUniqueid();
        String later = sim.newUniqueid();
        client.reserve(QUEUE, earlier, Duration.ofSeconds(30));
        client.reserve(QUEUE, later, Duration.ofSeconds(30)); // its own reservation never makes it wait
        java.util.concurrent.CompletableFuture<Boolean> waited = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> waited.complete(client.letEarlierCallersGoFirst(QUEUE, later, Duration.ofSeconds(20))));
        Thread.sleep(300);
        assertFalse(waited.isDone(), "the earlier caller has not joined the queue yet");
        sim.callerJoins(earlier, "Local/13800000001@queue-callers-00000000;2", "13800000001", 5);
        assertTrue(waited.get(10, TimeUnit.SECONDS), "released by the earlier caller's QueueCallerJoin");
        client.reserve(QUEUE, earlier, Duration.ofSeconds(30));
        assertFalse(client.letEarlierCallersGoFirst(QUEUE, later, Duration.ofMillis(100)),
                "an earlier caller that never arrives (hung up on the way) is waited for at most max");
        assertTrue(client.letEarlierCallersGoFirst("other-queue", later, Duration.ofSeconds(20)));
        client.callerGone(QUEUE, earlier);
        assertTrue(client.letEarlierCallersGoFirst(QUEUE, later, Duration.ofMillis(100)), "hung up: nothing to wait for");
    }

    @Test
    void aBlockedListenerDoesNotStopOtherListenersOrTheEventThread() throws Exception {
        startConnected();
        CountDownLatch release = new CountDownLatch(1);
        client.onAgentConnect(ignored -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        BlockingQueue<AgentConnect> answers = new LinkedBlockingQueue<>();
        client.onAgentConnect(answers::add);
        for (int i = 0; i < 2; i++) {
            sim.callerJoins(sim.newUniqueid(), "Local/1380000000" + i + "@queue-callers-0000000" + i + ";2",
                    "1380000000" + i, 0);
        }
        assertNotNull(answers.poll(10, TimeUnit.SECONDS));
        assertNotNull(answers.poll(10, TimeUnit.SECONDS));
        Await.until("state still follows events", WAIT, () -> client.queueState().freeMembers(QUEUE) == 0);
        release.countDown();
    }

    @Test
    void pausesFollowEventsAndCtiVariablesReachTheCallerChannel() throws Exception {
        startConnected();
        sim.pause("Local/agent1@agents", true, "lunch");
        sim.pause("Local/agent2@agents", true, "lunch");
        Await.until("both paused", WAIT, () -> client.queueState().freeMembers(QUEUE) == 0);
        assertFalse(client.agentFree(QUEUE));
        BlockingQueue<MemberState> freed = new LinkedBlockingQueue<>();
        client.onAgentFree(freed::add);
        sim.pause("Local/agent2@agents", false, "");
        assertEquals("Local/agent2@agents", freed.poll(10, TimeUnit.SECONDS).iface());
        assertTrue(client.agentFree(QUEUE));

        sim.pause("Local/agent2@agents", true, "again");
        String id = sim.newUniqueid();
        String channel = "Local/13800000001@queue-callers-00000000;2";
        sim.callerJoins(id, channel, "13800000001", 0);
        Await.until("caller waiting", WAIT, () -> client.callersWaiting(QUEUE) == 1);
        assertTrue(client.setVariable(channel, "IVR_DRAFT_ID", "D-" + id));
        Await.until("Setvar applied", WAIT, () -> sim.channelVariable(id, "IVR_DRAFT_ID").isPresent());
        assertEquals("D-" + id, sim.channelVariable(id, "IVR_DRAFT_ID").orElseThrow());
    }

    @Test
    void aKeyReceivedThroughPlayDtmfReachesTheCallersChannelAndAnUnknownChannelIsLogged() throws Exception {
        startConnected();
        BlockingQueue<Character> received = new LinkedBlockingQueue<>();
        String channel = "PJSIP/13800000001-0000002a";
        try (var live = sim.liveChannel(channel, received::add);
             LogCapture logs = new LogCapture(AmiClient.class)) {
            assertTrue(client.receiveKey(channel, '#'));
            assertEquals('#', received.poll(10, TimeUnit.SECONDS), "Receive: true queues the digit on the channel");

            // The caller hung up meanwhile. Asterisk's answer is read on the AMI thread, yet the line is about that call.
            try (var call = cn.hotline.ivr.ops.CallLog.callId("1795448040.31")) {
                assertTrue(client.receiveKey("PJSIP/13800000009-0000002b", '#'), "sent; the answer comes later");
            }
            Await.until("the refusal is logged", WAIT, () -> logs.any("WARN", "Channel not found"));
            String line = logs.lines().stream().filter(l -> l.contains("Channel not found")).findFirst().orElseThrow();
            assertTrue(line.startsWith("WARN [1795448040.31] "), "the call id on the line: " + line);
            assertTrue(line.contains("PJSIP/138****0009-0000002b"), "caller number masked, leg readable: " + line);
            assertTrue(line.contains("they hung up"), "says what it means, not a version requirement: " + line);
            assertEquals(1, logs.lines().size(), "one line: " + logs.lines());
        }
        client.close();
        try (LogCapture logs = new LogCapture(AmiClient.class);
             var call = cn.hotline.ivr.ops.CallLog.callId("1795448040.32")) {
            assertFalse(client.receiveKey(channel, '#'), "not connected");
            assertEquals(java.util.List.of("WARN [1795448040.32] AMI PlayDTMF # not sent: not connected to Asterisk;"
                    + " the caller's recording runs to its end"), logs.lines());
        }
    }

    @Test
    void beforeAsterisk16NoKeyIsPlayedIntoTheCallersEar() throws Exception {
        // Asterisk 13-15 ignore Receive, answer Success and send the tone to the caller's phone instead.
        startSim(0);
        sim.asteriskVersion("13.38.3");
        startClient(sim.port(), "hotline123");
        awaitSynced();
        BlockingQueue<Character> received = new LinkedBlockingQueue<>();
        String channel = "PJSIP/13800000001-0000002c";
        try (var live = sim.liveChannel(channel, received::add);
             LogCapture logs = new LogCapture(AmiClient.class);
             var call = cn.hotline.ivr.ops.CallLog.callId("1795448040.33")) {
            assertFalse(client.receiveKey(channel, '#'), "not sent");
            assertTrue(logs.any("WARN [1795448040.33]", "needs Asterisk 16 or later"), logs.lines().toString());
            assertEquals(1, logs.lines().size(), logs.lines().toString());
        }
        assertEquals(null, received.poll(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void aRefusedPlayDtmfSaysWhatToDo() {
        assertTrue(AmiClient.playDtmfRefusal("Permission denied").contains("write = call"));
        assertTrue(AmiClient.playDtmfRefusal("Invalid/unknown command: PlayDTMF. Use Action: ListCommands to show available commands.")
                .contains("app_senddtmf"));
        assertEquals("the caller's recording runs to its end", AmiClient.playDtmfRefusal("No digit specified"));
    }

    @Test
    void aSilentConnectionIsNoticedByPingsAndReplaced() throws Exception {
        startSim(0);
        client = new AmiClient(AmiSettings.of("127.0.0.1", sim.port(), "hotline", "hotline123", QUEUE)
                .withPing(Duration.ofMillis(200)), new SimpleMeterRegistry());
        client.start();
        awaitSynced();
        sim.stallConnections();
        Await.until("a new connection after the old one went silent", WAIT,
                () -> client.health().reconnects() >= 1 && client.isConnected() && client.queueState().synced(QUEUE));
    }

    @Test
    void afterAnAsteriskRestartTheQueueIsReadAsSoonAsAppQueueIsLoaded() throws Exception {
        // AMI accepts logins early in Asterisk's boot; until app_queue is loaded QueueStatus is an unknown
        // command. The periodic re-read (30 s here) must not be the only retry: until the queue is read
        // the flow offers no intake.
        startConnected();
        sim.pause("Local/agent2@agents", true, "meeting");
        Await.until("pause seen", WAIT, () -> client.queueState().freeMembers(QUEUE) == 1);
        long reconnectsBefore = client.health().reconnects();
        sim.restart(Duration.ofMillis(1_500));
        Await.until("logged in again", WAIT, () -> client.health().reconnects() > reconnectsBefore && client.isConnected());
        assertFalse(client.known(), "app_queue not loaded yet: the queue is unknown");
        Await.until("queue read once app_queue is loaded", Duration.ofSeconds(8), () -> client.known());
        assertEquals(1, client.queueState().freeMembers(QUEUE));
        assertTrue(client.agentFree(QUEUE));
    }

    @Test
    void anAgentInWrapUpIsNotFreeAndIsReportedFreeWhenItEnds() throws Exception {
        // queues.conf wrapuptime: app_queue.c can_ring_entry rings nobody until time(NULL) - lastcall >= wrapuptime,
        // yet the member's status is NOT_INUSE at once and no event marks the end of the wrap-up.
        startSim(0);
        sim.wrapupTime(Duration.ofSeconds(2));
        sim.pause("Local/agent2@agents", true, "one agent");
        client = new AmiClient(AmiSettings.of("127.0.0.1", sim.port(), "hotline", "hotline123", QUEUE)
                .withWrapup(Duration.ofSeconds(2)), new SimpleMeterRegistry());
        client.start();
        awaitSynced();
        BlockingQueue<AgentConnect> answers = new LinkedBlockingQueue<>();
        BlockingQueue<MemberState> freed = new LinkedBlockingQueue<>();
        client.onAgentConnect(answers::add);
        client.onAgentFree(freed::add);
        sim.callerJoins(sim.newUniqueid(), "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);
        assertNotNull(answers.poll(10, TimeUnit.SECONDS));
        Await.until("agent busy", WAIT, () -> !client.agentFree(QUEUE));
        long hungUp = System.nanoTime();
        assertTrue(sim.agentHangsUp("Local/agent1@agents"));
        Await.until("call end seen", WAIT, () -> client.queueState().members(QUEUE).stream()
                .anyMatch(m -> m.iface().equals("Local/agent1@agents") && m.free()));
        assertFalse(client.agentFree(QUEUE), "in wrap-up: Asterisk would not ring the agent");
        assertEquals(0, client.queueState().freeMembers(QUEUE));
        MemberState free = freed.poll(10, TimeUnit.SECONDS);
        long afterMs = (System.nanoTime() - hungUp) / 1_000_000;
        assertNotNull(free, "reported free when the wrap-up ends");
        assertEquals("Local/agent1@agents", free.iface());
        assertTrue(afterMs >= 1_000, "not before the wrap-up is over: " + afterMs + " ms");
        assertTrue(client.agentFree(QUEUE));
        assertEquals(null, freed.poll(300, TimeUnit.MILLISECONDS), "reported once");
    }

    @Test
    void channelVarsOnAgentEventsAreReadWithoutAWarningPerEvent() throws Exception {
        // dialplans/manager.conf suggests channelvars = IVR_DRAFT_ID,...: every Agent* event then carries
        // DestChanVariable (transcript 7), for which Asterisk-Java's event classes have no setter.
        startConnected();
        sim.channelVars(java.util.List.of("IVR_DRAFT_ID", "IVR_ROUTE"));
        BlockingQueue<AgentConnect> answers = new LinkedBlockingQueue<>();
        client.onAgentConnect(answers::add);
        try (LogCapture logs = new LogCapture(org.asteriskjava.manager.util.EventAttributesHelper.class)) {
            String id = sim.newUniqueid();
            sim.callerJoins(id, "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);
            assertEquals(id, answers.poll(10, TimeUnit.SECONDS).callId());
            assertTrue(sim.agentHangsUp("Local/agent1@agents"));
            Await.until("call over", WAIT, () -> client.queueState().freeMembers(QUEUE) == 2);
            assertEquals(java.util.List.of(), logs.lines());
        }
    }

    @Test
    void aMisspeltQueueIsReportedAndNeverMistakenForABusyOne() throws Exception {
        startSim(0);
        client = new AmiClient(AmiSettings.of("127.0.0.1", sim.port(), "hotline", "hotline123", "12345-agnets"),
                new SimpleMeterRegistry());
        client.start();
        Await.until("queue check done", WAIT, () -> client.health().lastError().contains("ami.queue"));
        assertTrue(client.isConnected());
        assertFalse(client.health().queueSynced());
        assertFalse(client.known(), "a queue Asterisk does not have is not knowledge about agents");
    }

    @Test
    void loginRetriesBackOffExponentiallyUpToTheCap() {
        AmiSettings s = AmiSettings.of("127.0.0.1", 1, "hotline", "x", QUEUE);   // 200 ms .. 5 s
        try (AmiClient c = new AmiClient(s, new SimpleMeterRegistry())) {
            long first = c.backoff(0);
            assertTrue(first >= 200 && first <= 240, "first retry " + first);
            long third = c.backoff(2);
            assertTrue(third >= 800 && third <= 960, "third retry " + third);
            long late = c.backoff(40);
            assertTrue(late >= 5_000 && late <= 6_000, "capped " + late);
        }
    }

    @Test
    void aWrongSecretIsVisibleInHealthAndNeverConnects() throws Exception {
        startSim(0);
        startClient(sim.port(), "wrong-password");
        Await.until("a failed login recorded", WAIT, () -> !client.health().lastError().isEmpty());
        AmiHealth h = client.health();
        assertFalse(h.connected());
        assertTrue(h.lastError().contains("ami.secret"), h.lastError());
        assertEquals(0, sim.connections());
        assertFalse(client.known(), "unknown state: the flow sends callers straight to the queue");
        assertFalse(client.agentFree(QUEUE));
    }

    @Test
    void connectsWhenAsteriskComesUpLateAndReadsTheQueueItFinds() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        startClient(port, "hotline123");
        Await.until("first attempt failed", WAIT, () -> client.health().lastError().contains("cannot reach"));
        startSim(port);
        sim.pause("Local/agent1@agents", true, "lunch");
        sim.pause("Local/agent2@agents", true, "lunch");
        String waiting = sim.newUniqueid();
        sim.callerJoins(waiting, "Local/13800000009@queue-callers-00000009;2", "13800000009", 0);
        awaitSynced();
        assertEquals(1, client.callersWaiting(QUEUE));
        assertEquals(waiting, client.queueState().callers(QUEUE).get(0).callId());
        assertFalse(client.agentFree(QUEUE), "both members paused");
        assertEquals("", client.health().lastError());
    }

    @Test
    void reconnectsAfterTheConnectionDropsAndResynchronises() throws Exception {
        startConnected();
        sim.pause("Local/agent2@agents", true, "meeting");
        sim.dropConnections();
        Await.until("logged in again", WAIT, () -> client.health().reconnects() >= 1 && client.isConnected()
                && client.queueState().synced(QUEUE));
        assertEquals(1, client.queueState().freeMembers(QUEUE));
        assertTrue(client.queueState().members(QUEUE).stream()
                .anyMatch(m -> m.iface().equals("Local/agent2@agents") && m.paused()));
    }
}
