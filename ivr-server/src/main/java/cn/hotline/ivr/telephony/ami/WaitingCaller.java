package cn.hotline.ivr.telephony.ami;

import java.time.Instant;

/**
 * A caller inside Queue(), keyed by the caller channel's Uniqueid (= {@code agi_uniqueid}).
 *
 * @param position 1-based position in the queue as Asterisk last reported it
 * @param since    when this client first saw the caller in the queue
 * @param ringing  a member is being rung for this caller (AgentCalled, until answer or no answer)
 */
public record WaitingCaller(String queue, String callId, String channel, String callerNumber, int position,
                            Instant since, boolean ringing) {

    WaitingCaller at(int newPosition) {
        return new WaitingCaller(queue, callId, channel, callerNumber, newPosition, since, ringing);
    }

    WaitingCaller ringing(boolean value) {
        return new WaitingCaller(queue, callId, channel, callerNumber, position, since, value);
    }
}
