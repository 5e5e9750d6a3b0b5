package cn.hotline.ivr.telephony.ami;

import java.util.function.Consumer;

/**
 * What happens to agents, as AMI reports it: a member freed up, an agent answered, a call ended.
 * Listeners run on their own thread, never on the AMI event thread, one event at a time in arrival
 * order; a slow listener delays only itself.
 */
public interface AgentEvents {

    /**
     * Called each time a member becomes free (not in use, not paused, not in a call). The member may be
     * about to take a caller already waiting in the queue: check {@code agentFree(queue)} before taking
     * someone out of intake.
     */
    Subscription onAgentFree(Consumer<MemberState> listener);

    /** Called for every AgentConnect (an agent answered a caller). */
    Subscription onAgentConnect(Consumer<AgentConnect> listener);

    /** Called for every AgentComplete (a queue call ended). */
    Subscription onAgentComplete(Consumer<AgentComplete> listener);

    /** Stops a listener; its pending events are dropped. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
