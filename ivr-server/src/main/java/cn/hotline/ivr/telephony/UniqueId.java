package cn.hotline.ivr.telephony;

import java.util.regex.Pattern;

/**
 * Checks {@code agi_uniqueid} when the environment is read. It becomes the call id on every log line
 * and the draft's id (the ticket system's idempotency key), so it must be what Asterisk makes:
 * {@code <epoch>.<sequence>} ({@code 1795448040.1}), or {@code <systemname>-<epoch>.<sequence>} when
 * {@code systemname} is set in asterisk.conf. The epoch must be a plausible time (10 digits, 2001 to
 * 2096): that also keeps a phone number (11-digit mobiles, 0-prefixed landlines, 400/800 numbers) from
 * passing as one and being logged in clear on every line.
 */
public final class UniqueId {
    static final int MAX_LENGTH = 96;
    private static final Pattern ASTERISK = Pattern.compile("(?:[A-Za-z][A-Za-z0-9_.-]{0,62}-)?[1-3][0-9]{9}\\.[0-9]{1,10}");

    private UniqueId() {
    }

    /** Whether {@code value} is a unique id as Asterisk makes them (for files that hold call ids). */
    public static boolean isAsterisk(String value) {
        return value != null && value.length() <= MAX_LENGTH && ASTERISK.matcher(value).matches();
    }

    /** What is wrong with {@code value} as a call id, for one log line; empty when it is fine. */
    static String problem(String value) {
        if (value == null || value.isBlank()) {
            return "environment has no agi_uniqueid";
        }
        if (isAsterisk(value)) {
            return "";
        }
        // Quoted masked and cut short: the value came from the peer and may carry a caller number.
        return "agi_uniqueid " + PeerText.quote(value, 40) + " is not an Asterisk unique id"
                + " ([systemname-]<epoch>.<sequence>, e.g. 1795448040.1)";
    }
}
