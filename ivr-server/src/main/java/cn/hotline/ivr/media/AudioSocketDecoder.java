package cn.hotline.ivr.media;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Turns the byte stream from Asterisk into {@link AudioSocketFrame}s, strictly: the first frame must
 * be a UUID of 16 bytes, a later UUID is refused, only the kinds Asterisk sends for 8 kHz slin are
 * accepted, and no payload may exceed {@code maxPayload}. Any violation raises
 * {@link AudioSocketProtocolException} (the server logs it and closes this connection) and every
 * byte after it is discarded, so a broken peer can never make us buffer without bound.
 */
public final class AudioSocketDecoder extends ByteToMessageDecoder {
    private final int maxPayload;
    private boolean first = true;
    private boolean failed;

    public AudioSocketDecoder(int maxPayload) {
        this.maxPayload = maxPayload;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= AudioSocketFrame.HEADER_BYTES) {
            int start = in.readerIndex();
            int kind = in.getUnsignedByte(start);
            int length = in.getUnsignedShort(start + 1);
            check(kind, length);
            if (in.readableBytes() < AudioSocketFrame.HEADER_BYTES + length) {
                return;
            }
            in.skipBytes(AudioSocketFrame.HEADER_BYTES);
            byte[] payload = new byte[length];
            in.readBytes(payload);
            first = false;
            out.add(new AudioSocketFrame(kind, payload));
        }
    }

    private void check(int kind, int length) {
        String problem = problem(kind, length);
        if (problem != null) {
            failed = true;
            throw new AudioSocketProtocolException(problem);
        }
    }

    private String problem(int kind, int length) {
        if (first && kind != AudioSocketFrame.UUID) {
            return "first frame must be the UUID (kind 0x01), got kind " + AudioSocketFrame.kindName(kind);
        }
        return switch (kind) {
            case AudioSocketFrame.UUID -> !first ? "UUID frame after the first frame"
                    : length != 16 ? "UUID frame must carry 16 bytes, got " + length : null;
            case AudioSocketFrame.HANGUP -> length != 0 ? "hangup frame must be empty, got " + length + " bytes" : null;
            case AudioSocketFrame.DTMF -> length != 1 ? "DTMF frame must carry 1 byte, got " + length : null;
            case AudioSocketFrame.AUDIO -> length > maxPayload || length % 2 != 0
                    ? "audio frame of " + length + " bytes (must be even and at most " + maxPayload + ")" : null;
            case AudioSocketFrame.ERROR -> length > maxPayload ? "error frame of " + length + " bytes exceeds " + maxPayload : null;
            default -> kind >= 0x11 && kind <= 0x18
                    ? "audio kind " + AudioSocketFrame.kindName(kind) + " is a rate above 8 kHz; only slin 8 kHz (0x10) is accepted"
                    : "unknown frame kind " + AudioSocketFrame.kindName(kind);
        };
    }
}
