package cn.hotline.ivr.media;

import cn.hotline.ivr.ops.ConfigFile;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The AudioSocket listener ({@code audiosocket.*}).
 *
 * @param bind            where Asterisk connects (port 0 picks a free port, for tests)
 * @param advertised      the {@code host:port} written into {@code EXEC AudioSocket <uuid>,<host:port>};
 *                        empty means "the bound address", which is only right when Asterisk runs on this host
 * @param maxPayload      largest payload accepted in one frame. Asterisk sends audio in the caller's packet
 *                        size: 320 bytes for 20 ms, up to 4800 for 300 ms (G.723.1's largest packet)
 * @param idleTimeout     a connection that sends no whole frame for this long is closed (Asterisk sends one
 *                        per caller packet, every 10-60 ms in practice)
 * @param connectTimeout  how long a registered UUID waits for Asterisk to connect
 * @param maxSessions     connections beyond this are refused at once (the capture then fails, the caller queues)
 * @param ioThreads       Netty event loop threads; 0 means one per core
 */
public record AudioSocketSettings(
        InetSocketAddress bind,
        String advertised,
        int maxPayload,
        Duration idleTimeout,
        Duration connectTimeout,
        int maxSessions,
        int ioThreads) {

    /**
     * 300 ms of 8 kHz slin: codec_builtin.c lets a G.723.1 packet carry up to 300 ms, and
     * app_audiosocket forwards each packet of the caller as one frame.
     */
    public static final int MAX_ASTERISK_FRAME_BYTES = 4800;

    public static AudioSocketSettings read(ConfigFile cfg) {
        String advertised = cfg.string("audiosocket.advertised", "");
        if (!advertised.isEmpty()) {
            try {
                ConfigFile.parseHostPort(advertised);
            } catch (IllegalArgumentException e) {
                cfg.problem("audiosocket.advertised", e.getMessage());
                advertised = "";
            }
        }
        return new AudioSocketSettings(
                cfg.socketAddress("audiosocket.bind", new InetSocketAddress("127.0.0.1", 9092)),
                advertised,
                cfg.integer("audiosocket.max-frame-bytes", MAX_ASTERISK_FRAME_BYTES, AudioSocketFrame.FRAME_BYTES, 65535),
                cfg.duration("audiosocket.idle-timeout", Duration.ofSeconds(2)),
                cfg.duration("audiosocket.connect-timeout", Duration.ofSeconds(5)),
                cfg.integer("audiosocket.max-sessions", 2000, 1, 100_000),
                cfg.integer("audiosocket.io-threads", 0, 0, 256));
    }

    /** Defaults on loopback with a free port: for tests, benchmarks and the demo. */
    public static AudioSocketSettings loopback() {
        return new AudioSocketSettings(new InetSocketAddress("127.0.0.1", 0), "", MAX_ASTERISK_FRAME_BYTES,
                Duration.ofSeconds(2), Duration.ofSeconds(5), 2000, 0);
    }
}
