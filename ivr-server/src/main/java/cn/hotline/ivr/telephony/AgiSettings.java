package cn.hotline.ivr.telephony;

import cn.hotline.ivr.ops.ConfigFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The FastAGI listener: where it binds, who may connect, and how long a silent peer is tolerated.
 * FastAGI has no authentication, so the allowlist of Asterisk addresses is the only gate.
 * {@code maxCalls} counts calls (environment read); {@code maxPending} bounds the connections still
 * sending their environment, which Asterisk does in one burst: many at once means something else is
 * connecting, and those must not take call slots or memory.
 */
public record AgiSettings(
        InetSocketAddress bind,
        List<InetAddress> allowedPeers,
        Duration environmentTimeout,
        Duration replyTimeout,
        int maxLineBytes,
        int maxCalls,
        int maxPending) {

    public static AgiSettings read(ConfigFile cfg) {
        InetSocketAddress bind = cfg.socketAddress("agi.bind", new InetSocketAddress("127.0.0.1", 4573));
        List<InetAddress> peers = new ArrayList<>();
        for (String peer : cfg.strings("agi.allowed-peers", List.of("127.0.0.1", "::1"))) {
            try {
                peers.add(InetAddress.getByName(peer));
            } catch (UnknownHostException e) {
                cfg.problem("agi.allowed-peers", "not an address: '" + peer + "'");
            }
        }
        return new AgiSettings(
                bind,
                List.copyOf(peers),
                cfg.duration("agi.environment-timeout", Duration.ofSeconds(5)),
                cfg.duration("agi.reply-timeout", Duration.ofHours(3)),
                cfg.integer("agi.max-line-bytes", 8192, 512, 1 << 20),
                cfg.integer("agi.max-calls", 20_000, 1, 1_000_000),
                cfg.integer("agi.max-pending", 200, 1, 100_000));
    }
}
