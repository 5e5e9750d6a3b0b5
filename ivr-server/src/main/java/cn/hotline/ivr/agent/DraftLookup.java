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

    /**
     * The draft of the call {@code callId} from {@code callerNumber} (AMI's CallerIDNum): a store that may
     * keep two calls under one id (two Asterisk servers handing out the same Uniqueid) picks the caller's.
     */
    default Optional<ScreenPop> find(String callId, String callerNumber) throws Exception {
        return find(callId);
    }
}
