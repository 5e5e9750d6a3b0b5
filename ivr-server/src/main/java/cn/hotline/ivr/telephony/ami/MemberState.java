package cn.hotline.ivr.telephony.ami;

/**
 * A queue member as last reported by Asterisk.
 *
 * @param status Asterisk device state: 0 unknown, 1 not in use, 2 in use, 3 busy, 4 invalid,
 *               5 unavailable, 6 ringing, 7 ringing in use, 8 on hold
 * @param inCall true while the member is talking to a queue caller
 */
public record MemberState(String queue, String iface, String name, int status, boolean paused, boolean inCall) {
    public static final int UNKNOWN = 0;
    public static final int NOT_INUSE = 1;

    /** Would app_queue ring this member now ({@code ringinuse = no})? */
    public boolean free() {
        return (status == NOT_INUSE || status == UNKNOWN) && !paused && !inCall;
    }

    MemberState withInCall(boolean value) {
        return new MemberState(queue, iface, name, status, paused, value);
    }
}
