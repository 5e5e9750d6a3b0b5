package cn.hotline.ivr.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AudioSocketDecoderTest {
    private static final UUID ID = UUID.fromString("8c6b1c5e-4a3f-4d5e-9f00-112233445566");

    private static ByteBuf bytes(int... b) {
        ByteBuf buf = Unpooled.buffer();
        for (int x : b) {
            buf.writeByte(x);
        }
        return buf;
    }

    private static ByteBuf encoded(AudioSocketFrame f) {
        EmbeddedChannel ch = new EmbeddedChannel(new AudioSocketEncoder());
        ch.writeOutbound(f);
        return ch.readOutbound();
    }

    @Test
    void uuidFrameRoundTripsThroughEncoderAndDecoder() {
        ByteBuf wire = encoded(AudioSocketFrame.uuid(ID));
        assertEquals(19, wire.readableBytes());
        assertEquals(0x01, wire.getUnsignedByte(0));
        assertEquals(16, wire.getUnsignedShort(1));
        EmbeddedChannel ch = new EmbeddedChannel(new AudioSocketDecoder(640));
        ch.writeInbound(wire);
        AudioSocketFrame f = ch.readInbound();
        assertEquals(ID, f.asUuid());
    }

    @Test
    void framesSplitAcrossReadsAreReassembledInOrder() {
        EmbeddedChannel ch = new EmbeddedChannel(new AudioSocketDecoder(640));
        ByteBuf all = Unpooled.buffer();
        all.writeBytes(encoded(AudioSocketFrame.uuid(ID)));
        byte[] pcm = new byte[320];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (byte) i;
        }
        all.writeBytes(encoded(AudioSocketFrame.audio(pcm)));
        all.writeBytes(encoded(AudioSocketFrame.dtmf('#')));
        all.writeBytes(encoded(AudioSocketFrame.hangup()));
        while (all.isReadable()) {
            ch.writeInbound(all.readRetainedSlice(Math.min(7, all.readableBytes())));
        }
        assertEquals(AudioSocketFrame.UUID, ((AudioSocketFrame) ch.readInbound()).kind());
        AudioSocketFrame audio = ch.readInbound();
        assertArrayEquals(pcm, audio.payload());
        AudioSocketFrame dtmf = ch.readInbound();
        assertEquals('#', (char) dtmf.payload()[0]);
        assertEquals(AudioSocketFrame.HANGUP, ((AudioSocketFrame) ch.readInbound()).kind());
        assertNull(ch.readInbound());
    }

    private static String rejection(ByteBuf... input) {
        EmbeddedChannel ch = new EmbeddedChannel(new AudioSocketDecoder(640));
        DecoderException e = assertThrows(DecoderException.class, () -> {
            for (ByteBuf b : input) {
                ch.writeInbound(b);
            }
        });
        assertTrue(e.getCause() instanceof AudioSocketProtocolException, e.toString());
        // Everything after the violation is discarded, never decoded.
        ch.writeInbound(encoded(AudioSocketFrame.audio(new byte[320])));
        assertNull(ch.readInbound() instanceof AudioSocketFrame f && f.kind() == AudioSocketFrame.AUDIO ? f : null);
        return e.getCause().getMessage();
    }

    @Test
    void firstFrameMustBeTheUuid() {
        String why = rejection(encoded(AudioSocketFrame.audio(new byte[320])));
        assertTrue(why.contains("first frame must be the UUID"), why);
    }

    @Test
    void secondUuidIsRefused() {
        String why = rejection(encoded(AudioSocketFrame.uuid(ID)), encoded(AudioSocketFrame.uuid(ID)));
        assertTrue(why.contains("UUID frame after the first"), why);
    }

    @Test
    void unknownKindIsRefused() {
        String why = rejection(encoded(AudioSocketFrame.uuid(ID)), bytes(0x42, 0, 0));
        assertTrue(why.contains("unknown frame kind 0x42"), why);
    }

    @Test
    void higherRateAudioIsRefusedWithTheReason() {
        String why = rejection(encoded(AudioSocketFrame.uuid(ID)), bytes(0x12, 0, 2, 0, 0));
        assertTrue(why.contains("only slin 8 kHz"), why);
    }

    @Test
    void oversizedLengthIsRefusedBeforeThePayloadArrives() {
        // Only the header: the decoder must not wait for (and buffer) 60000 bytes.
        String why = rejection(encoded(AudioSocketFrame.uuid(ID)), bytes(0x10, 0xEA, 0x60));
        assertTrue(why.contains("60000 bytes"), why);
    }

    @Test
    void malformedFixedSizeFramesAreRefused() {
        assertTrue(rejection(bytes(0x01, 0, 4, 1, 2, 3, 4)).contains("16 bytes"));
        assertTrue(rejection(encoded(AudioSocketFrame.uuid(ID)), bytes(0x03, 0, 2, '1', '2')).contains("DTMF"));
        assertTrue(rejection(encoded(AudioSocketFrame.uuid(ID)), bytes(0x00, 0, 1, 0)).contains("hangup"));
        assertTrue(rejection(encoded(AudioSocketFrame.uuid(ID)), bytes(0x10, 0, 3, 0, 0, 0)).contains("even"));
    }

    @Test
    void frameRecordRejectsImpossibleValues() {
        assertThrows(IllegalArgumentException.class, () -> new AudioSocketFrame(256, new byte[0]));
        assertFalse(AudioSocketFrame.hangup().equals(AudioSocketFrame.audio(new byte[0])));
    }
}
