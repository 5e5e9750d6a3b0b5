package cn.hotline.ivr.telephony.ami;

import java.time.Instant;

/**
 * A caller inside Queue(), keyed by the caller channel's Uniqueid (= {@code agi_uniqueid}).
 *
 * @param position 1-based position in the queue as Asterisk last reported it
 * @param since    when this client first saw the caller in the queue
 */
public record WaitingCaller(String queue, String callId, String channel, String callerNumber, int position,
                            Instant since) {

    WaitingCaller at(int newPosition) {
        return new WaitingCaller(queue, callId, channel, callerNumber, newPosition, since);
    }
}
