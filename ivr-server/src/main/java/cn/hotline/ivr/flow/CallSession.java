package cn.hotline.ivr.flow;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;

/**
 * One call as Asterisk announced it in the AGI environment. Immutable; created once per
 * connection before the script runs.
 *
 * @param callId       {@code agi_uniqueid}: equals the caller channel's Uniqueid in AMI queue events
 * @param callerNumber {@code agi_callerid} ("" when withheld or "unknown")
 * @param dnid         {@code agi_dnid}: the dialled number, selects the line ("" when unknown)
 * @param channel      {@code agi_channel}, e.g. {@code PJSIP/trunk-00000001}
 * @param language     {@code agi_language}
 * @param script       {@code agi_network_script} without the query string
 * @param arguments    {@code agi_arg_1..n}
 * @param peer         the Asterisk server that connected
 * @param started      when the AGI connection arrived
 */
public record CallSession(
        String callId,
        String callerNumber,
        String dnid,
        String channel,
        String language,
        String context,
        String extension,
        String script,
        List<String> arguments,
        InetAddress peer,
        Instant started) {

    public CallSession {
        arguments = List.copyOf(arguments);
    }

    /** {@code PJSIP/carrier-trunk-0000002a} → {@code PJSIP/carrier-trunk}: the trunk, not the call leg. */
    public static String trunkOf(String channel) {
        int dash = channel.lastIndexOf('-');
        return dash > 0 && channel.substring(dash + 1).matches("[0-9a-f]{8}") ? channel.substring(0, dash) : channel;
    }
}
