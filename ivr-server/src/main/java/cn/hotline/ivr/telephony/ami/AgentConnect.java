package cn.hotline.ivr.telephony.ami;

import java.time.Duration;
import java.time.Instant;

/**
 * An agent answered a queue caller (AMI {@code AgentConnect}).
 *
 * @param callId        the caller channel's Uniqueid: equals {@code agi_uniqueid}, the draft's key
 * @param callerNumber  the caller block's CallerIDNum (never DestCallerIDNum)
 * @param memberIface   the member that answered ({@code Local/agent1@agents}, {@code PJSIP/6002})
 * @param memberName    its MemberName ({@code Alice})
 * @param holdTime      seconds the caller waited in the queue
 * @param ringTime      seconds the member rang (AgentConnect reports seconds, not ms)
 * @param receivedNanos {@link System#nanoTime()} when the event reached this server (pop latency starts here)
 */
public record AgentConnect(String queue, String callId, String callerChannel, String callerNumber,
                           String memberIface, String memberName, String agentChannel, Duration holdTime,
                           Duration ringTime, Instant receivedAt, long receivedNanos) {
}
