package cn.hotline.ivr.media;

import cn.hotline.ivr.media.MediaListener.CloseReason;
import cn.hotline.ivr.ops.CallLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty AudioSocket server. The flow {@link #expect registers} a fresh UUID for a call, then
 * makes Asterisk run {@code EXEC AudioSocket <uuid>,<host:port>}; Asterisk connects, sends the UUID
 * frame, and from then on this server delivers the caller's audio to the call's {@link MediaListener}
 * and sends a 20 ms frame back every 20 ms (queued prompt audio, else silence). A broken, unknown,
 * silent or slow peer is logged and its connection closed; no other session is affected.
 */
public final class AudioSocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AudioSocketServer.class);
    private static final ByteBuf SILENCE = Unpooled.unreleasableBuffer(Unpooled.directBuffer(
            AudioSocketFrame.HEADER_BYTES + AudioSocketFrame.FRAME_BYTES)
            .writeByte(AudioSocketFrame.AUDIO).writeShort(AudioSocketFrame.FRAME_BYTES)
            .writeZero(AudioSocketFrame.FRAME_BYTES).asReadOnly());
    private static final long TICK_MS = 20;

    private final AudioSocketSettings settings;
    private final Map<UUID, MediaSession> expected = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final Counter framesIn;
    private final Counter framesOut;
    private final MeterRegistry registry;
    private final AudioSocketEncoder encoder = new AudioSocketEncoder();
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;
    private String execAddress;

    public AudioSocketServer(AudioSocketSettings settings, MeterRegistry registry) {
        this.settings = settings;
        this.registry = registry;
        this.framesIn = registry.counter("ivr.audiosocket.frames.received");
        this.framesOut = registry.counter("ivr.audiosocket.frames.sent");
        // Exported at 0 from the start, so an alert on their rate works before the first refusal.
        for (String reason : java.util.List.of("max-sessions", "unknown-uuid")) {
            registry.counter("ivr.audiosocket.refused", "reason", reason);
        }
        registry.gauge("ivr.audiosocket.sessions.active", active);
    }

    /** Binds the listener; fails with the address in the message when the port is taken. */
    public synchronized AudioSocketServer start() throws InterruptedException {
        boss = new NioEventLoopGroup(1, new DefaultThreadFactory("audiosocket-accept", true));
        // One event loop per core (Netty's default is two): fewer threads waking every 20 ms.
        int io = settings.ioThreads() > 0 ? settings.ioThreads() : Runtime.getRuntime().availableProcessors();
        workers = new NioEventLoopGroup(io, new DefaultThreadFactory("audiosocket-io", true));
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(16 * 1024, 32 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        long idleMs = settings.idleTimeout().toMillis();
                        // The idle handler sits after the decoder so that it counts whole frames: a
                        // peer trickling a byte at a time must not keep a capture open forever.
                        ch.pipeline()
                                .addLast("decoder", new AudioSocketDecoder(settings.maxPayload()))
                                .addLast("idle", new IdleStateHandler(idleMs, 0, 0, TimeUnit.MILLISECONDS))
                                .addLast("encoder", encoder)
                                .addLast("session", new SessionHandler());
                    }
                });
        try {
            serverChannel = b.bind(settings.bind()).sync().channel();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot listen for AudioSocket on " + settings.bind()
                    + ": " + e.getMessage() + " (change audiosocket.bind)", e);
        }
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        execAddress = settings.advertised().isEmpty()
                ? hostPort(bound)
                : settings.advertised();
        log.info("AudioSocket listening on {} (Asterisk connects to {})", bound, execAddress);
        return this;
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The argument of {@code EXEC AudioSocket}: {@code <uuid>,<host:port>}. */
    public String execArgument(UUID uuid) {
        return uuid + "," + execAddress;
    }

    /** Sessions currently connected. */
    public int activeSessions() {
        return active.get();
    }

    /**
     * Registers a UUID for a call. Asterisk must connect within the connect timeout, else the
     * listener hears {@link CloseReason#NEVER_CONNECTED}. {@link #cancel} forgets it early.
     */
    public MediaSession expect(UUID uuid, String callId, MediaListener listener) {
        MediaSession session = new MediaSession(uuid, callId, listener);
        if (expected.putIfAbsent(uuid, session) != null) {
            throw new IllegalArgumentException("UUID already registered: " + uuid);
        }
        workers.schedule(() -> {
            if (!session.connected() && expected.remove(uuid, session)) {
                try (var c = CallLog.callId(callId)) {
                    log.warn("Asterisk did not connect to AudioSocket for {} within {} ms", uuid,
                            settings.connectTimeout().toMillis());
                }
                session.reportClosed(CloseReason.NEVER_CONNECTED);
            }
        }, settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return session;
    }

    /** Forgets a registration that was never used (e.g. the EXEC failed). */
    public void cancel(MediaSession session) {
        if (!session.connected() && expected.remove(session.uuid(), session)) {
            session.reportClosed(CloseReason.NEVER_CONNECTED);
        }
    }

    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        for (MediaSession s : expected.values()) {
            s.reportClosed(CloseReason.SERVER_SHUTDOWN);
        }
        expected.clear();
    }

    /** Per-connection state machine: waiting for the UUID, then streaming. */
    private final class SessionHandler extends SimpleChannelInboundHandler<AudioSocketFrame> {
        private MediaSession session;
        private ScheduledFuture<?> ticker;
        private int unwritableTicks;
        private long boundNanos;
        /** 20 ms frames of caller audio delivered since the UUID: the peer's audio clock. */
        private long framesSinceBound;
        /** Caller audio not yet making up a whole 20 ms frame (Asterisk sends the caller's packet size). */
        private final byte[] partialFrame = new byte[AudioSocketFrame.FRAME_BYTES];
        private int partialBytes;
        private boolean counted;
        private boolean refused;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (active.incrementAndGet() > settings.maxSessions()) {
                log.warn("AudioSocket connection from {} refused: {} sessions already (audiosocket.max-sessions)",
                        ctx.channel().remoteAddress(), settings.maxSessions());
                registry.counter("ivr.audiosocket.refused", "reason", "max-sessions").increment();
                refused = true;
                ctx.close();
            }
            counted = true;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, AudioSocketFrame frame) {
            framesIn.increment();
            if (refused) {
                return; // frames already decoded after we decided to close
            }
            if (session == null) {
                bindSession(ctx, frame.asUuid());
                return;
            }
            switch (frame.kind()) {
                case AudioSocketFrame.AUDIO -> deliverAudio(frame.payload());
                case AudioSocketFrame.DTMF -> session.listener().dtmf(session, (char) (frame.payload()[0] & 0xFF));
                case AudioSocketFrame.HANGUP -> {
                    session.closing(CloseReason.PEER_HANGUP);
                    ctx.close();
                }
                case AudioSocketFrame.ERROR -> {
                    try (var c = CallLog.callId(session.callId())) {
                        log.warn("AudioSocket peer reported an error ({} bytes of detail); closing", frame.payload().length);
                    }
                    session.closing(CloseReason.PEER_ERROR);
                    ctx.close();
                }
                default -> throw new AudioSocketProtocolException("unexpected kind " + AudioSocketFrame.kindName(frame.kind()));
            }
        }

        /**
         * Asterisk forwards each frame as the caller's channel delivered it (res_audiosocket's
         * ast_audiosocket_send_frame copies f->datalen): 320 bytes for 20 ms packets, but 160, 480, 960
         * for a 10, 30, 60 ms ptime (G.723.1 defaults to 30). The listener counts time in 20 ms frames,
         * so the audio is regrouped into exactly that; a remainder waits for the next packet.
         */
        private void deliverAudio(byte[] pcm) {
            if (partialBytes == 0 && pcm.length == AudioSocketFrame.FRAME_BYTES) {
                framesSinceBound++;
                session.listener().audio(session, pcm);
                return;
            }
            for (int off = 0; off < pcm.length; ) {
                int n = Math.min(AudioSocketFrame.FRAME_BYTES - partialBytes, pcm.length - off);
                System.arraycopy(pcm, off, partialFrame, partialBytes, n);
                partialBytes += n;
                off += n;
                if (partialBytes == AudioSocketFrame.FRAME_BYTES) {
                    partialBytes = 0;
                    framesSinceBound++;
                    session.listener().audio(session, partialFrame.clone());
                }
            }
        }

        private void bindSession(ChannelHandlerContext ctx, UUID uuid) {
            MediaSession s = expected.remove(uuid);
            if (s == null) {
                log.warn("AudioSocket connection from {} with unknown or already used UUID {}; closing "
                        + "(the call was not registered, or it timed out)", ctx.channel().remoteAddress(), uuid);
                registry.counter("ivr.audiosocket.refused", "reason", "unknown-uuid").increment();
                refused = true;
                ctx.close();
                return;
            }
            session = s;
            boundNanos = System.nanoTime();
            s.bind(ctx.channel());
            try (var c = CallLog.callId(s.callId())) {
                log.debug("AudioSocket connected for {} from {}", uuid, ctx.channel().remoteAddress());
            }
            ticker = ctx.channel().eventLoop().scheduleAtFixedRate(() -> tick(ctx), 0, TICK_MS, TimeUnit.MILLISECONDS);
            s.listener().connected(s);
            if (s.endRequested()) {
                s.endNow(ctx.channel());
            }
        }

        /** Every 20 ms: one frame of prompt audio, or silence so Asterisk's 2 s timeout never fires. */
        private void tick(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            if (!ch.isActive() || session.closeReasonOr(null) != null) {
                return;
            }
            if (!ch.isWritable()) {
                // The peer stopped reading: keep dropping rather than buffering, and give up after the idle timeout.
                if (++unwritableTicks * TICK_MS >= settings.idleTimeout().toMillis()) {
                    closeWith(ctx, CloseReason.IDLE_TIMEOUT, "peer stopped reading our frames for "
                            + settings.idleTimeout().toMillis() + " ms");
                }
                return;
            }
            unwritableTicks = 0;
            // Asterisk sends the caller's audio in real time. A peer that falls further behind real time
            // than the idle timeout (whole frames, but too little audio) would stretch the caller's
            // no-input and maximum utterance limits, which count 20 ms frames, without bound.
            long elapsedMs = (System.nanoTime() - boundNanos) / 1_000_000;
            long behindMs = elapsedMs - framesSinceBound * TICK_MS;
            if (behindMs > settings.idleTimeout().toMillis()) {
                closeWith(ctx, CloseReason.IDLE_TIMEOUT, "audio arrives " + behindMs + " ms behind real time ("
                        + framesSinceBound * TICK_MS + " ms of audio in " + elapsedMs + " ms)");
                return;
            }
            byte[] audio = session.nextPlayback();
            framesOut.increment();
            ctx.writeAndFlush(audio != null ? AudioSocketFrame.audio(audio) : SILENCE.duplicate());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                closeWith(ctx, CloseReason.IDLE_TIMEOUT, "no complete frame from the peer for "
                        + settings.idleTimeout().toMillis() + " ms");
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (c instanceof AudioSocketProtocolException) {
                registry.counter("ivr.audiosocket.protocol.errors").increment();
                closeWith(ctx, CloseReason.PROTOCOL_ERROR, "protocol error: " + c.getMessage());
            } else {
                closeWith(ctx, CloseReason.PEER_CLOSED, "connection error: " + c);
            }
        }

        private void closeWith(ChannelHandlerContext ctx, CloseReason reason, String why) {
            String callId = session == null ? "-" : session.callId();
            try (var c = CallLog.callId(callId)) {
                log.warn("AudioSocket from {} closed: {}", ctx.channel().remoteAddress(), why);
            }
            if (session != null) {
                session.closing(reason);
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (counted) {
                active.decrementAndGet();
            }
            if (ticker != null) {
                ticker.cancel(false);
            }
            if (session != null) {
                CloseReason reason = session.closeReasonOr(CloseReason.PEER_CLOSED);
                registry.counter("ivr.audiosocket.sessions", "end", reason.name().toLowerCase()).increment();
                session.reportClosed(reason);
            }
        }
    }
}
