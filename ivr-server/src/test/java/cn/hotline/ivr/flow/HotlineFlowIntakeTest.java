package cn.hotline.ivr.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.flow.IntakeResult.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The intake policy on the way to the queue, with named test doubles for the rooms behind it. */
class HotlineFlowIntakeTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-23T02:00:00Z"), ZoneId.of("UTC"));

    /** Test double: agents whose state the test sets. */
    private record FixedAgents(boolean known, boolean free) implements AgentAvailability {
        @Override
        public boolean agentFree(String queue) {
            return free;
        }
    }

    /** Test double: busy agents that record who was asked to let earlier callers go first. */
    private static final class OrderingAgents implements AgentAvailability {
        final List<String> yielded = new ArrayList<>();
        final List<String> gone = new ArrayList<>();

        @Override
        public void callerGone(String queue, String callId) {
            gone.add(callId);
        }

        @Override
        public boolean agentFree(String queue) {
            return false;
        }

        @Override
        public boolean known() {
            return true;
        }

        @Override
        public boolean letEarlierCallersGoFirst(String queue, String callId, Duration max) {
            yielded.add(queue + "/" + callId);
            return true;
        }
    }

    /** Test double: a capture that feeds the given partials, then returns the given result. */
    private static final class ScriptedIntake implements SpeechIntake {
        private final List<String> partials;
        private final IntakeResult result;
        private final boolean hangUp;
        final List<CaptureRequest> requests = new ArrayList<>();

        ScriptedIntake(List<String> partials, IntakeResult result, boolean hangUp) {
            this.partials = partials;
            this.result = result;
            this.hangUp = hangUp;
        }

        @Override
        public IntakeResult capture(CallChannel channel, CaptureRequest request) throws CallEndedException {
            requests.add(request);
            partials.forEach(request.partials());
            if (hangUp) {
                throw new CallEndedException("caller hung up");
            }
            return result;
        }
    }

    /** Test double: remembers every draft it was asked to record, and what it was told on the way. */
    private static final class RecordingDrafts implements DraftRecorder {
        final List<IntakeResult> recorded = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        String emergency = "";

        @Override
        public void intakeStarted(CallSession call) {
            events.add("started " + call.callId());
        }

        @Override
        public void heard(CallSession call, String soFar) {
            events.add("heard " + soFar);
        }

        @Override
        public Recorded record(CallSession call, FlowDecision decision, IntakeResult intake) {
            events.add("record " + intake.transcript());
            recorded.add(intake);
            return new Recorded(call.callId(), emergency, Map.of("IVR_REQUESTTYPE", "complaint"));
        }
    }

    private final List<String> preempted = new ArrayList<>();
    private final IntakeLine line = new IntakeLine(preempted::add);
    private final RecordingDrafts drafts = new RecordingDrafts();

    private ScriptedChannel run(AgentAvailability agents, SpeechIntake intake, String keys) throws Exception {
        FlowSettings s = HotlineFlowTest.settings("{}");
        EmergencyWatch fire = text -> text.contains("着火") ? Optional.of("119") : Optional.empty();
        ScriptedChannel ch = new ScriptedChannel(keys);
        new HotlineFlow(() -> s, NOW, new HotlineFlow.Services(agents, intake, line, fire, drafts))
                .handle(HotlineFlowTest.call("12345"), ch);
        return ch;
    }

    private static IntakeResult completed(String words) {
        return new IntakeResult(Outcome.COMPLETED, words, 0.8, Duration.ofSeconds(4), "");
    }

    @Test
    void anAgentFreeMeansNoIntakeButStillADraft() throws Exception {
        ScriptedIntake intake = new ScriptedIntake(List.of(), completed("x"), false);
        ScriptedChannel ch = run(new FixedAgents(true, true), intake, "");
        assertTrue(intake.requests.isEmpty(), "no capture while an agent is free");
        assertEquals(List.of("(answer)", "hotline/greeting"), ch.heard, "no transfer line: nothing delayed the caller");
        assertEquals("skipped", ch.variables.get("IVR_INTAKE"));
        assertEquals("queue", ch.variables.get("IVR_ROUTE"));
        assertEquals("1795448040.1", ch.variables.get("IVR_DRAFT_ID"));
        assertEquals("complaint", ch.variables.get("IVR_REQUESTTYPE"));
        assertEquals(String.valueOf(IntakeLine.queuePriority(HotlineFlowTest.call("12345").started())),
                ch.variables.get("IVR_QUEUE_PRIO"));
        assertEquals("agent free", drafts.recorded.get(0).detail());
    }

    @Test
    void unknownAgentStateMeansNoIntake() throws Exception {
        ScriptedIntake intake = new ScriptedIntake(List.of(), completed("x"), false);
        ScriptedChannel ch = run(new FixedAgents(false, false), intake, "");
        assertTrue(intake.requests.isEmpty(), "without AMI nobody would end intake when an agent frees up");
        assertEquals("agent state unknown", drafts.recorded.get(0).detail());
        assertEquals("queue", ch.variables.get("IVR_ROUTE"));
    }

    @Test
    void withoutAgentStateIntakeRunsOnlyWhenConfiguredTo() throws Exception {
        FlowSettings s = HotlineFlowTest.settings("flow:\n  intake:\n    when-agents-unknown: true\n");
        ScriptedIntake intake = new ScriptedIntake(List.of(), completed("路灯坏了"), false);
        ScriptedChannel ch = new ScriptedChannel("");
        new HotlineFlow(() -> s, NOW, new HotlineFlow.Services(new FixedAgents(false, false), intake, line,
                EmergencyWatch.NONE, drafts)).handle(HotlineFlowTest.call("12345"), ch);
        assertEquals(1, intake.requests.size());
        assertEquals("completed", ch.variables.get("IVR_INTAKE"));
    }

    @Test
    void busyAgentsMeanIntakeThenTheTransferLineAndTheQueue() throws Exception {
        ScriptedIntake intake = new ScriptedIntake(List.of("小区", "小区物业"), completed("小区物业乱收费"), false);
        ScriptedChannel ch = run(new FixedAgents(true, false), intake, "");
        assertEquals("hotline/intake-invite", intake.requests.get(0).prompt());
        assertEquals(List.of("(answer)", "hotline/greeting", "hotline/transfer"), ch.heard);
        assertEquals("completed", ch.variables.get("IVR_INTAKE"));
        assertEquals("queue", ch.variables.get("IVR_ROUTE"));
        assertEquals("小区物业乱收费", drafts.recorded.get(0).transcript());
        assertEquals(0, line.size(), "the caller left the intake line");
        // What a crash checkpoint needs: the start of intake and the words as they come, before the draft.
        assertEquals(List.of("started 1795448040.1", "heard 小区", "heard 小区物业", "record 小区物业乱收费"), drafts.events);
    }

    @Test
    void anEmergencyHeardMidSentenceEndsIntakeTowardsTheEmergencyRoute() throws Exception {
        ScriptedIntake intake = new ScriptedIntake(List.of("我家", "我家厨房着火"),
                new IntakeResult(Outcome.PREEMPTED, "我家厨房着火了", 0.7, Duration.ofSeconds(2), ""), false);
        ScriptedChannel ch = run(new FixedAgents(true, false), intake, "");
        assertEquals(List.of("1795448040.1"), preempted, "the capture was ended at once");
        assertEquals("emergency", ch.variables.get("IVR_ROUTE"));
        assertEquals("119", ch.variables.get("IVR_EMERGENCY_TARGET"));
        assertTrue(ch.heard.contains("hotline/emergency-transfer"), ch.heard.toString());
    }

    @Test
    void anEmergencyFoundInTheFinalTranscriptAlsoTakesTheEmergencyRoute() throws Exception {
        drafts.emergency = "120";
        ScriptedChannel ch = run(new FixedAgents(true, false), new ScriptedIntake(List.of(), completed("有人受伤"), false), "");
        assertEquals("emergency", ch.variables.get("IVR_ROUTE"));
        assertEquals("120", ch.variables.get("IVR_EMERGENCY_TARGET"));
    }

    @Test
    void aKeyPressGoesStraightToTheQueueWithoutTheTransferLine() throws Exception {
        ScriptedChannel ch = run(new FixedAgents(true, false),
                new ScriptedIntake(List.of(), IntakeResult.skipped(Outcome.DTMF, "key 1"), false), "");
        assertEquals("dtmf", ch.variables.get("IVR_INTAKE"));
        assertEquals("queue", ch.variables.get("IVR_ROUTE"));
        assertTrue(ch.heard.stream().noneMatch(p -> p.endsWith("transfer")), ch.heard.toString());
    }

    @Test
    void overloadOrEngineTroubleSendsTheCallerToTheQueue() throws Exception {
        for (Outcome o : List.of(Outcome.OVERLOADED, Outcome.ENGINE_UNAVAILABLE, Outcome.FAILED, Outcome.NO_INPUT)) {
            ScriptedChannel ch = run(new FixedAgents(true, false), new ScriptedIntake(List.of(),
                    IntakeResult.skipped(o, "test"), false), "");
            assertEquals("queue", ch.variables.get("IVR_ROUTE"), o.name());
            assertEquals(o.name().toLowerCase(), ch.variables.get("IVR_INTAKE"));
        }
    }

    @Test
    void aHangUpDuringIntakeStillLeavesADraftWithWhatWasHeard() throws Exception {
        ScriptedIntake intake = new ScriptedIntake(List.of("路灯", "路灯坏了三天"), completed("x"), true);
        assertThrows(CallEndedException.class, () -> run(new FixedAgents(true, false), intake, ""));
        assertEquals(1, drafts.recorded.size());
        assertEquals("路灯坏了三天", drafts.recorded.get(0).transcript());
        assertEquals("caller hung up during intake", drafts.recorded.get(0).detail());
        assertEquals(0, line.size());
    }

    /** Test double: the caller speaks, then Asterisk refuses the AudioSocket EXEC (or garbles its reply). */
    private record FailingIntake(List<String> partials, CommandFailedException failure) implements SpeechIntake {
        @Override
        public IntakeResult capture(CallChannel channel, CaptureRequest request) {
            partials.forEach(request.partials());
            throw failure;
        }
    }

    @Test
    void aCommandAsteriskRefusesDuringIntakeQueuesTheCallerWithErrorAndADraftOfWhatWasHeard() throws Exception {
        FlowSettings s = HotlineFlowTest.settings("{}");
        ScriptedChannel ch = new ScriptedChannel("");
        CommandFailedException refused = CommandFailedException.rejected("EXEC",
                "520 Invalid command syntax.  Proper usage not available.");
        HotlineFlow flow = new HotlineFlow(() -> s, NOW, new HotlineFlow.Services(new OrderingAgents(),
                new FailingIntake(List.of("路灯坏了"), refused), line, EmergencyWatch.NONE, drafts));
        assertThrows(CommandFailedException.class, () -> flow.handle(HotlineFlowTest.call("12345"), ch));
        assertEquals(1, drafts.recorded.size(), "one draft, not one per failure path");
        assertEquals("路灯坏了", drafts.recorded.get(0).transcript());
        assertEquals(Outcome.FAILED, drafts.recorded.get(0).outcome());
        assertEquals("queue", ch.variables.get("IVR_ROUTE"));
        assertEquals("error", ch.variables.get("IVR_REASON"));
        assertEquals("ERROR", ch.variables.get("IVR_STATUS"));
        assertEquals("1795448040.1", ch.variables.get("IVR_DRAFT_ID"));
        assertEquals(String.valueOf(IntakeLine.queuePriority(Instant.parse("2026-11-23T02:00:00.123Z"))),
                ch.variables.get("IVR_QUEUE_PRIO"), "in arrival order, not at the back of the queue");
    }

    @Test
    void afterAMalformedReplyTheDraftIsWrittenButNothingMoreIsSent() throws Exception {
        FlowSettings s = HotlineFlowTest.settings("{}");
        ScriptedChannel ch = new ScriptedChannel("");
        CommandFailedException garbled = CommandFailedException.malformedReply("EXEC", "line longer than 8192 bytes");
        HotlineFlow flow = new HotlineFlow(() -> s, NOW, new HotlineFlow.Services(new OrderingAgents(),
                new FailingIntake(List.of("路灯坏了"), garbled), line, EmergencyWatch.NONE, drafts));
        assertThrows(CommandFailedException.class, () -> flow.handle(HotlineFlowTest.call("12345"), ch));
        assertEquals(1, drafts.recorded.size());
        assertEquals("路灯坏了", drafts.recorded.get(0).transcript());
        assertTrue(ch.variables.isEmpty(), "nothing may be sent on an untrustworthy stream: " + ch.variables);
    }

    @Test
    void onlyCallersLeavingIntakeOnTheirOwnLetEarlierCallersGoFirst() throws Exception {
        String callId = HotlineFlowTest.call("12345").callId();
        OrderingAgents agents = new OrderingAgents();
        run(agents, new ScriptedIntake(List.of(), completed("路灯坏了"), false), "");
        assertEquals(List.of(HotlineFlowTest.settings("{}").queue() + "/" + callId), agents.yielded, "finished describing: may not overtake");
        OrderingAgents preempted = new OrderingAgents();
        run(preempted, new ScriptedIntake(List.of(),
                new IntakeResult(Outcome.PREEMPTED, "路灯", 0.7, Duration.ofSeconds(2), ""), false), "");
        assertEquals(List.of(), preempted.yielded, "a caller taken out for a free agent is the one others wait for");
    }

    @Test
    void theTransferLineForAPreemptedCallerCanBeLeftOutSoTheAgentIsRungAtOnce() throws Exception {
        IntakeResult cut = new IntakeResult(Outcome.PREEMPTED, "路灯", 0.7, Duration.ofSeconds(2), "");
        for (boolean line : new boolean[] {true, false}) {
            FlowSettings s = HotlineFlowTest.settings("flow:\n  intake:\n    transfer-line-when-preempted: " + line + "\n");
            ScriptedChannel ch = new ScriptedChannel("");
            new HotlineFlow(() -> s, NOW, new HotlineFlow.Services(new OrderingAgents(),
                    new ScriptedIntake(List.of(), cut, false), this.line, EmergencyWatch.NONE, drafts))
                    .handle(HotlineFlowTest.call("12345"), ch);
            assertEquals(line, ch.heard.contains(s.prompt(s.transferPrompt())), "transfer line " + line + ": " + ch.heard);
            assertEquals("queue", ch.variables.get("IVR_ROUTE"));
        }
    }

    @Test
    void aCallerHangingUpInTheFlowGivesBackAnyAgentHeldForThem() throws Exception {
        OrderingAgents agents = new OrderingAgents();
        assertThrows(CallEndedException.class, () -> run(agents, new ScriptedIntake(List.of(), completed("x"), true), ""));
        assertEquals(List.of(HotlineFlowTest.call("12345").callId()), agents.gone);
        OrderingAgents stayed = new OrderingAgents();
        run(stayed, new ScriptedIntake(List.of(), completed("x"), false), "");
        assertEquals(List.of(), stayed.gone, "a caller handed to the queue keeps its reservation until it joins");
    }

    @Test
    void aCallerWhoFinishesBeforeAnEarlierOneWaitsWithMusicOnHoldThenGoesToTheQueue() throws Exception {
        Instant earlier = HotlineFlowTest.call("12345").started().minusSeconds(20);
        IntakeLine.Place stillTalking = line.enter("1795448000.9", earlier);
        ScriptedChannel ch = new ScriptedChannel("");
        FlowSettings s = HotlineFlowTest.settings("{}");
        CallSession call = HotlineFlowTest.call("12345");
        CompletableFuture<FlowDecision> flow = CompletableFuture.supplyAsync(() -> {
            try {
                return new HotlineFlow(() -> s, NOW, new HotlineFlow.Services(new OrderingAgents(),
                        new ScriptedIntake(List.of(), completed("路灯坏了"), false), line, EmergencyWatch.NONE, drafts))
                        .handle(call, ch);
            } catch (CallEndedException e) {
                throw new IllegalStateException(e);
            }
        }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!snapshot(ch).contains("(music on hold)") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(snapshot(ch).contains("(music on hold)"), "waiting for the earlier caller: " + snapshot(ch));
        assertTrue(!flow.isDone(), "must not join the queue while the earlier caller is still talking");
        stillTalking.close(); // the earlier caller finished (or hung up)
        assertEquals("queue", flow.get(5, java.util.concurrent.TimeUnit.SECONDS).route());
        assertEquals("(music off)", ch.heard.get(ch.heard.size() - 1), ch.heard.toString());
        assertEquals(0, line.size());
    }

    @Test
    void aCallerHangingUpWhileWaitingForTheirTurnLeavesTheLine() throws Exception {
        IntakeLine.Place stillTalking = line.enter("1795448000.9", HotlineFlowTest.call("12345").started().minusSeconds(20));
        // answer, greeting, invitation... the ping after a second of waiting finds the caller gone.
        ScriptedChannel ch = new ScriptedChannel("").hangUpAfter(8);
        FlowSettings s = HotlineFlowTest.settings("{}");
        assertThrows(CallEndedException.class, () -> new HotlineFlow(() -> s, NOW, new HotlineFlow.Services(
                new OrderingAgents(), new ScriptedIntake(List.of(), completed("路灯坏了"), false), line,
                EmergencyWatch.NONE, drafts)).handle(HotlineFlowTest.call("12345"), ch));
        assertTrue(ch.heard.contains("(music on hold)"), ch.heard.toString());
        assertEquals(1, line.size(), "only the earlier caller is left in the line");
        stillTalking.close();
    }

    private static List<String> snapshot(ScriptedChannel ch) {
        return List.copyOf(ch.heard);
    }
}
