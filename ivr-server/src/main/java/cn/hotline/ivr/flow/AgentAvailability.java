package cn.hotline.ivr.flow;

import java.time.Duration;

/**
 * What the flow needs to know about the agents (from AMI in production): is one free right now,
 * and can we trust the answer. When the answer cannot be trusted the flow must not start intake,
 * because nothing would tell it when to stop.
 */
public interface AgentAvailability {
    /** True when a member of {@code queue} is logged in, not paused and not on a call. */
    boolean agentFree(String queue);

    /** False while the queue state is unknown (AMI down or not yet synchronised). */
    boolean known();

    /**
     * Called by a caller leaving intake on their own (finished, silent, a key) before it joins
     * {@code queue}: callers already taken out of intake for a free agent arrived earlier and are
     * still on their way (the transfer line); this returns once they have joined the queue, so the
     * later caller cannot reach the free agent first. Gives up after {@code max}; returns false then.
     */
    default boolean letEarlierCallersGoFirst(String queue, String callId, Duration max) {
        return true;
    }

    /** The caller hung up inside the flow: an agent held for them (see the AMI client's reserve) is free again. */
    default void callerGone(String queue, String callId) {
    }

    /** For deployments without AMI: agents are never known, so every caller goes straight to the queue. */
    AgentAvailability UNKNOWN = new AgentAvailability() {
        @Override
        public boolean agentFree(String queue) {
            return false;
        }

        @Override
        public boolean known() {
            return false;
        }
    };
}
