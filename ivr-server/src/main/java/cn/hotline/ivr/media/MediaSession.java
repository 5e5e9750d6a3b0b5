package cn.hotline.ivr.media;

import cn.hotline.ivr.media.MediaListener.CloseReason;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.Arrays;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One expected or connected AudioSocket stream, matched to its call by the UUID the flow generated.
 * Audio handed to {@link #play(byte[])} is sent to the caller paced at one 20 ms frame per tick;
 * when nothing is queued the server sends silence so Asterisk never times out. Methods may be
 * called from any thread; the listener is only ever called on the connection's event loop.
 */
public final class MediaSession {
    private final UUID uuid;
    private final String callId;
    private final MediaListener listener;
    private final Queue<byte[]> playback = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closedReported = new AtomicBoolean();
    private volatile Channel channel;
    private volatile boolean endRequested;
    private volatile CloseReason closeReason;
    private volatile long connectedNanos;

    MediaSession(UUID uuid, String callId, MediaListener listener) {
        this.uuid = uuid;
        this.callId = callId;
        this.listener = listener;
    }

    public UUID uuid() {
        return uuid;
    }

    public String callId() {
        return callId;
    }

    public boolean connected() {
        return channel != null;
    }

    /** {@link System#nanoTime()} when Asterisk connected, 0 before. */
    public long connectedNanos() {
        return connectedNanos;
    }

    /**
     * Queues signed 16-bit little-endian 8 kHz audio to play to the caller, cut into 20 ms frames
     * (the last one padded with silence).
     */
    public void play(byte[] pcm) {
        for (int off = 0; off < pcm.length; off += AudioSocketFrame.FRAME_BYTES) {
            byte[] frame = Arrays.copyOfRange(pcm, off, off + AudioSocketFrame.FRAME_BYTES);
            playback.add(frame);
        }
    }

    /** Barge-in: drops everything not yet sent; the next tick sends silence. */
    public void stopPlayback() {
        playback.clear();
    }

    public boolean playing() {
        return !playback.isEmpty();
    }

    /**
     * Ends the stream: sends {@code 0x00} and closes. Asterisk's {@code AudioSocket} application then
     * returns and the AGI session continues. Safe to call more than once and before Asterisk connected.
     */
    public void end() {
        endRequested = true;
        Channel ch = channel;
        if (ch != null) {
            ch.eventLoop().execute(() -> endNow(ch));
        }
    }

    /** Runs {@code task} on this session's network thread once connected, else right here. */
    public void execute(Runnable task) {
        Channel ch = channel;
        if (ch != null) {
            ch.eventLoop().execute(task);
        } else {
            task.run();
        }
    }

    boolean endRequested() {
        return endRequested;
    }

    void endNow(Channel ch) {
        if (!ch.isActive() || closeReason != null) {
            return;
        }
        closeReason = CloseReason.SERVER_ENDED;
        playback.clear();
        ch.writeAndFlush(AudioSocketFrame.hangup()).addListener(ChannelFutureListener.CLOSE);
    }

    void bind(Channel ch) {
        this.channel = ch;
        this.connectedNanos = System.nanoTime();
    }

    /** Next frame to play, or null when the caller should hear silence. */
    byte[] nextPlayback() {
        return playback.poll();
    }

    /** Remembers why we are closing, so the close callback reports it rather than "peer closed". */
    void closing(CloseReason reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
    }

    CloseReason closeReasonOr(CloseReason fallback) {
        CloseReason r = closeReason;
        return r == null ? fallback : r;
    }

    MediaListener listener() {
        return listener;
    }

    /** Reports the end exactly once. */
    void reportClosed(CloseReason reason) {
        if (closedReported.compareAndSet(false, true)) {
            listener.closed(this, reason);
        }
    }
}
