package cn.hotline.ivr.agent;

import java.util.Optional;

/**
 * Finds the draft of a call for the screen pop. Implemented by the work-order room over its local
 * durable store (never the ticket backend, so pops work while the backend is down). Called off the
 * AMI event thread; should answer within milliseconds. May throw: the pop then goes out without the
 * draft, and the agent still sees the caller.
 */
public interface DraftLookup {
    /** The draft for the caller channel whose Uniqueid is {@code callId}; empty when none was written. */
    Optional<ScreenPop> find(String callId) throws Exception;
}
