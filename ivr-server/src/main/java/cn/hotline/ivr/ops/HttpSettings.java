package cn.hotline.ivr.ops;

import java.net.InetSocketAddress;
import java.time.Duration;

/** The operations HTTP endpoint (/health, /ready, /metrics, and later the agent page). */
public record HttpSettings(InetSocketAddress bind, Duration shutdownGrace) {
    public static HttpSettings read(ConfigFile cfg) {
        return new HttpSettings(
                cfg.socketAddress("http.bind", new InetSocketAddress("127.0.0.1", 8080)),
                cfg.durationOrZero("http.shutdown-grace", Duration.ofSeconds(30)));
    }
}
