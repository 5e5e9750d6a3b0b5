package cn.hotline.ivr.media;

import java.util.Arrays;

/**
 * One AudioSocket frame: 1 byte kind, 2 bytes big-endian payload length, payload.
 * Kinds are those verified on Asterisk 22 (see shared PROTOCOLS.md, AudioSocket section).
 */
public record AudioSocketFrame(int kind, byte[] payload) {
    public static final int HANGUP = 0x00;
    public static final int UUID = 0x01;
    public static final int DTMF = 0x03;
    /** Signed 16-bit little-endian mono at 8 kHz: 320 bytes per 20 ms. */
    public static final int AUDIO = 0x10;
    public static final int ERROR = 0xFF;

    /** Bytes of one 20 ms audio frame at 8 kHz, 16-bit mono. */
    public static final int FRAME_BYTES = 320;
    public static final int HEADER_BYTES = 3;

    public AudioSocketFrame {
        if (kind < 0 || kind > 0xFF) {
            throw new IllegalArgumentException("frame kind must be one byte, got " + kind);
        }
        if (payload.length > 0xFFFF) {
            throw new IllegalArgumentException("payload longer than 65535 bytes: " + payload.length);
        }
    }

    public static AudioSocketFrame hangup() {
        return new AudioSocketFrame(HANGUP, new byte[0]);
    }

    public static AudioSocketFrame uuid(java.util.UUID id) {
        byte[] b = new byte[16];
        long hi = id.getMostSignificantBits();
        long lo = id.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return new AudioSocketFrame(UUID, b);
    }

    public static AudioSocketFrame audio(byte[] pcm) {
        return new AudioSocketFrame(AUDIO, pcm);
    }

    public static AudioSocketFrame dtmf(char digit) {
        return new AudioSocketFrame(DTMF, new byte[] {(byte) digit});
    }

    /** The UUID carried by a {@link #UUID} frame. */
    public java.util.UUID asUuid() {
        if (kind != UUID || payload.length != 16) {
            throw new IllegalStateException("not a UUID frame");
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (payload[i] & 0xFF);
            lo = (lo << 8) | (payload[8 + i] & 0xFF);
        }
        return new java.util.UUID(hi, lo);
    }

    public static String kindName(int kind) {
        return switch (kind) {
            case HANGUP -> "hangup";
            case UUID -> "uuid";
            case DTMF -> "dtmf";
            case AUDIO -> "audio";
            case ERROR -> "error";
            default -> String.format("0x%02x", kind);
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AudioSocketFrame f && f.kind == kind && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
        return 31 * kind + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "AudioSocketFrame[" + kindName(kind) + ", " + payload.length + " bytes]";
    }
}
