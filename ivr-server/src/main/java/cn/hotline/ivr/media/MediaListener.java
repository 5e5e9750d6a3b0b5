package cn.hotline.ivr.media;

/**
 * Receives one AudioSocket session's events. Every method runs on the connection's Netty event
 * loop: it must return quickly and never block (hand decoding to another thread).
 */
public interface MediaListener {
    /** Asterisk connected with the registered UUID. */
    void connected(MediaSession session);

    /**
     * One frame of caller audio: signed 16-bit little-endian mono 8 kHz, always 320 bytes (20 ms); the
     * server regroups Asterisk's frames, which carry whatever packet size the caller's channel uses.
     */
    void audio(MediaSession session, byte[] pcm);

    /** The caller pressed a key. */
    void dtmf(MediaSession session, char digit);

    /** The session is over (called once, also when it never connected and the registration was cancelled). */
    void closed(MediaSession session, CloseReason reason);

    enum CloseReason {
        /** We sent 0x00: the capture ended normally and the AGI session continues. */
        SERVER_ENDED,
        /** The TCP connection closed without 0x00: the caller hung up. */
        PEER_CLOSED,
        /** The peer sent 0x00. */
        PEER_HANGUP,
        /** The peer sent 0xFF. */
        PEER_ERROR,
        /** The peer broke the framing rules. */
        PROTOCOL_ERROR,
        /** Nothing arrived for the idle timeout, or the peer stopped reading our frames. */
        IDLE_TIMEOUT,
        /** Asterisk never connected for this UUID. */
        NEVER_CONNECTED,
        /** The server is shutting down. */
        SERVER_SHUTDOWN
    }
}
