package cn.hotline.ivr.telephony.ami;

import java.time.Duration;

/**
 * A queue call ended (AMI {@code AgentComplete}); {@code reason} is {@code agent}, {@code caller} or
 * {@code transfer}. Asterisk may leave out the agent leg's Dest* headers, so nothing here needs them.
 */
public record AgentComplete(String queue, String callId, String memberIface, String memberName,
                            Duration holdTime, Duration talkTime, String reason) {
}
