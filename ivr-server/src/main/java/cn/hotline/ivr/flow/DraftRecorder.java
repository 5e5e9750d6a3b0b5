package cn.hotline.ivr.flow;

import java.util.Map;

/**
 * Turns what the flow learnt about a call into a durable draft work order (understanding the words,
 * then persisting before the caller moves on). Implemented by the wiring over the understanding and
 * work-order rooms. Never throws for its own trouble: a draft that cannot be written is logged and
 * the caller still reaches an agent.
 */
public interface DraftRecorder {
    Recorded record(CallSession call, FlowDecision decision, IntakeResult intake);

    /**
     * The caller starts describing the problem. From now until {@link #record} for this call, what
     * {@link #heard} reports is kept safe from a crash of the server (the next start writes the draft).
     */
    default void intakeStarted(CallSession call) {
    }

    /** The words heard so far while the caller is still speaking (called often: must not block). */
    default void heard(CallSession call, String soFar) {
    }

    /**
     * What the dialplan and the agent need from the draft.
     *
     * @param draftId         the draft's id ({@code IVR_DRAFT_ID}); empty when nothing could be written
     * @param emergencyTarget 110/119/120 when the caller's words describe an emergency; empty otherwise
     * @param channelVariables CTI variables to set on the caller channel (key fields of the draft)
     */
    record Recorded(String draftId, String emergencyTarget, Map<String, String> channelVariables) {
        public Recorded {
            channelVariables = Map.copyOf(channelVariables);
        }

        public static Recorded nothing() {
            return new Recorded("", "", Map.of());
        }
    }

    /** For flows run without drafts (menu-only lines in tests). */
    DraftRecorder NONE = (call, decision, intake) -> Recorded.nothing();
}
