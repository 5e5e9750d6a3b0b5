package cn.hotline.ivr.telephony.ami;

import java.util.function.Consumer;

/**
 * What the intake flow needs to know about agents: is one free now, and tell me when one frees up or
 * answers. Listeners run on their own thread, never on the AMI event thread, one event at a time in
 * arrival order; a slow listener delays only itself.
 */
public interface AgentAvailability {

    /**
     * True when a caller entering {@code queue} now would be rung at once: more free members than
     * callers already waiting for whom no member is ringing yet. Also true when the state is unknown (AMI down or not yet synchronised):
     * without knowledge the caller goes straight to the queue rather than risk waiting in intake
     * while an agent sits idle.
     */
    boolean agentFree(String queue);

    /** Callers currently waiting in {@code queue} (0 when unknown). */
    int callersWaiting(String queue);

    /** Called each time a member of any queue becomes free (not in use, not paused, not in a call). */
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
