package cn.hotline.ivr.workorder;

import cn.hotline.ivr.flow.IntakeResult;

/**
 * How speech intake went and what it heard.
 *
 * @param outcome      completed, preempted (an agent freed up), or skipped
 * @param reason       why, in the flow's words (the {@link IntakeResult.Outcome} name, e.g. {@code NO_INPUT})
 * @param detail       a short free-text reason for non-completed outcomes (no personal data)
 * @param transcript   what the recognizer heard ("" when nothing)
 * @param confidence   recognizer confidence of the transcript, 0..1
 * @param speechMillis how long the caller spoke
 */
public record Intake(Outcome outcome, String reason, String detail, String transcript, double confidence, long speechMillis) {

    public enum Outcome { COMPLETED, PREEMPTED, SKIPPED }

    public Intake {
        if (outcome == null) {
            throw new IllegalArgumentException("intake outcome is required");
        }
        reason = reason == null ? "" : reason;
        detail = detail == null ? "" : detail;
        transcript = transcript == null ? "" : transcript;
        Drafts.requireConfidence(confidence, "transcript confidence");
        if (speechMillis < 0) {
            throw new IllegalArgumentException("speechMillis must not be negative");
        }
    }

    /** The flow's intake result as the draft records it. */
    public static Intake from(IntakeResult result) {
        Outcome outcome = switch (result.outcome()) {
            case COMPLETED -> Outcome.COMPLETED;
            case PREEMPTED -> Outcome.PREEMPTED;
            default -> Outcome.SKIPPED;
        };
        return new Intake(outcome, result.outcome().name(), result.detail(), result.transcript(),
                result.confidence(), result.speech().toMillis());
    }
}
