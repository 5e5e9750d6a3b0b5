package cn.hotline.ivr.media;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes {@link AudioSocketFrame}s: kind, big-endian length, payload. Stateless, so one instance serves all channels. */
@Sharable
public final class AudioSocketEncoder extends MessageToByteEncoder<AudioSocketFrame> {
    @Override
    protected void encode(ChannelHandlerContext ctx, AudioSocketFrame frame, ByteBuf out) {
        out.ensureWritable(AudioSocketFrame.HEADER_BYTES + frame.payload().length);
        out.writeByte(frame.kind());
        out.writeShort(frame.payload().length);
        out.writeBytes(frame.payload());
    }
}
