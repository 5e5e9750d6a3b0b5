package cn.hotline.ivr.flow;

import java.time.Duration;

/**
 * What a speech capture produced.
 *
 * @param outcome     how the capture ended
 * @param transcript  the final transcript ("" when nothing was recognised)
 * @param confidence  recognizer confidence of the transcript, 0..1 (0 when unknown)
 * @param speech      how long the caller spoke
 * @param detail      a short reason for non-completed outcomes (for the draft and the logs; no personal data)
 */
public record IntakeResult(Outcome outcome, String transcript, double confidence, Duration speech, String detail) {

    public enum Outcome {
        /** Intake was not offered (an agent was free, the agents' state was unknown, a menu route); detail says why. */
        SKIPPED,
        /** The caller spoke and stopped; transcript may still be empty if the engine heard nothing. */
        COMPLETED,
        /** The caller said nothing before the no-input timeout. */
        NO_INPUT,
        /** The caller pressed a key (any key means "put me through"). */
        DTMF,
        /** An agent freed up and the server ended the capture. */
        PREEMPTED,
        /** Admission control refused: the decoding pool was full. */
        OVERLOADED,
        /** The recognizer is missing or unhealthy. */
        ENGINE_UNAVAILABLE,
        /** Anything else went wrong (socket error, timeout); detail says what. */
        FAILED
    }

    public static IntakeResult skipped(Outcome outcome, String detail) {
        return new IntakeResult(outcome, "", 0, Duration.ZERO, detail);
    }
}
