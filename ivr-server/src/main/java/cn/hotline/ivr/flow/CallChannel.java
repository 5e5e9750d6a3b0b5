package cn.hotline.ivr.flow;

import java.time.Duration;

/**
 * What the flow may do to a call. Implemented over FastAGI ({@code telephony.AgiCallChannel}) in
 * production and by plain test doubles in flow tests. Every method blocks the call's own thread
 * until Asterisk answers; every method throws {@link CallEndedException} once the caller has hung up.
 */
public interface CallChannel {
    /** Asterisk's unique id of the caller channel ({@code agi_uniqueid}); also the draft's idempotency key. */
    String callId();

    void answer() throws CallEndedException;

    /**
     * Plays a prompt (a sound file name without extension). Returns the escape digit the caller
     * pressed, or {@code 0} when the prompt played to the end. {@code escapeDigits} may be empty.
     */
    char play(String prompt, String escapeDigits) throws CallEndedException;

    /**
     * Plays a prompt and collects up to {@code maxDigits} DTMF digits ({@code #} ends input early).
     * Returns the digits, {@code "#"} when the caller pressed {@code #} alone, or an empty string when the
     * caller entered nothing before the timeout.
     */
    String collectDigits(String prompt, Duration timeout, int maxDigits) throws CallEndedException;

    void setVariable(String name, String value) throws CallEndedException;

    /** A channel variable or dialplan function value; {@code null} when unset. */
    String getVariable(String name) throws CallEndedException;

    /** Runs a dialplan application (e.g. {@code AudioSocket}); returns the application's result code. */
    int exec(String application, String arguments) throws CallEndedException;

    /**
     * Records the caller to {@code file} (without extension) in {@code format}; stops on one of
     * {@code escapeDigits}, after {@code maxDuration}, or after {@code silence} of silence.
     * Returns the digit that ended the recording, or {@code 0}.
     */
    char record(String file, String format, String escapeDigits, Duration maxDuration, Duration silence)
            throws CallEndedException;

    /** Music on hold (the channel's default class) on or off: what the caller hears while the flow waits. */
    void musicOnHold(boolean on) throws CallEndedException;

    /** A round trip that changes nothing: throws {@link CallEndedException} once the caller has hung up. */
    void ping() throws CallEndedException;
}
