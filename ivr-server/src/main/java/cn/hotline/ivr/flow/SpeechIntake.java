package cn.hotline.ivr.flow;

/**
 * Captures what the caller says about their problem. The flow calls it while no agent is free;
 * the implementation (AudioSocket streaming into a recognizer, or RECORD FILE and batch
 * recognition) lives in the media and speech rooms. Engine trouble is never thrown: it is reported
 * in the result's outcome, and the flow sends the caller to the queue.
 */
public interface SpeechIntake {
    IntakeResult capture(CallChannel channel, CaptureRequest request) throws CallEndedException;

    /**
     * Whether a capture in progress can be ended from another thread (an agent frees up). False for
     * RECORD FILE without an AMI connection: the AGI command blocks until Asterisk ends it, and only
     * AMI (PlayDTMF with Receive) can make it stop early.
     */
    default boolean preemptible() {
        return true;
    }
}
