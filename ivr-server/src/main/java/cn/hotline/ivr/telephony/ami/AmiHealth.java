package cn.hotline.ivr.telephony.ami;

import java.time.Instant;

/**
 * The AMI connection as /ready reports it.
 *
 * @param state      Asterisk-Java's connection state (INITIAL, CONNECTING, CONNECTED, RECONNECTING, ...)
 * @param since      when the connection last changed between up and down
 * @param lastError  why the last attempt failed, in words an operator can act on ("" when none)
 * @param reconnects successful logins after the first one
 */
public record AmiHealth(boolean enabled, boolean connected, String state, Instant since, String lastError,
                        long reconnects, boolean queueSynced) {
}
