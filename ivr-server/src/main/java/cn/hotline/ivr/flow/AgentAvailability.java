package cn.hotline.ivr.flow;

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
