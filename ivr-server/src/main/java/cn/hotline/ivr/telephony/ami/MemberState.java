package cn.hotline.ivr.telephony.ami;

/**
 * A queue member as last reported by Asterisk.
 *
 * @param status   Asterisk device state: 0 unknown, 1 not in use, 2 in use, 3 busy, 4 invalid,
 *                 5 unavailable, 6 ringing, 7 ringing in use, 8 on hold
 * @param inCall   true while the member is talking to a queue caller
 * @param lastCall when the member's last queue call ended, epoch seconds (QueueMemberStatus
 *                 {@code LastCall}, Asterisk's clock); 0 for never
 * @param wrapup   the member's own wrap-up seconds ({@code Wrapuptime}); 0 means the queue's
 */
public record MemberState(String queue, String iface, String name, int status, boolean paused, boolean inCall,
                          long lastCall, int wrapup) {
    public static final int UNKNOWN = 0;
    public static final int NOT_INUSE = 1;

    public MemberState(String queue, String iface, String name, int status, boolean paused, boolean inCall) {
        this(queue, iface, name, status, paused, inCall, 0, 0);
    }

    /** Device free, not paused, not in a call ({@code ringinuse = no}); wrap-up aside, see {@link #availableAt}. */
    public boolean free() {
        return (status == NOT_INUSE || status == UNKNOWN) && !paused && !inCall;
    }

    /** Epoch second from which the wrap-up after the last call is over ({@code queueWrapup} when it has none of its own). */
    public long wrapupEndsAt(int queueWrapup) {
        int seconds = wrapup != 0 ? wrapup : queueWrapup;
        return lastCall == 0 || seconds <= 0 ? 0 : lastCall + seconds;
    }

    /**
     * Would app_queue ring this member at {@code epochSeconds}? As app_queue.c can_ring_entry: not
     * paused, device not in use or unknown, and {@code time(NULL) - lastcall >= wrapuptime}, where the
     * member's own wrap-up time wins over the queue's (get_wrapuptime).
     */
    public boolean availableAt(long epochSeconds, int queueWrapup) {
        return free() && epochSeconds >= wrapupEndsAt(queueWrapup);
    }

    MemberState withInCall(boolean value) {
        return new MemberState(queue, iface, name, status, paused, value, lastCall, wrapup);
    }

    MemberState withLastCall(long epochSeconds) {
        return new MemberState(queue, iface, name, status, paused, inCall, Math.max(lastCall, epochSeconds), wrapup);
    }
}
