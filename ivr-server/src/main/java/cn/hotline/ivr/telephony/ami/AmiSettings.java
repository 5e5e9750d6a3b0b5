package cn.hotline.ivr.telephony.ami;

import cn.hotline.ivr.ops.ConfigFile;
import java.time.Duration;

/**
 * The AMI connection to Asterisk ({@code ami.*}). Disabled by default: without AMI the server knows
 * nothing about agents, and the flow treats every agent as possibly free (callers go straight to the
 * queue), which never delays a caller.
 *
 * @param pingInterval how often to Ping Asterisk; a connection silent for three intervals is taken as dead
 *                  (a vanished host or a black-holed network sends no FIN) and re-established
 * @param wrapupTime the agent queue's {@code wrapuptime} from queues.conf: app_queue rings no member
 *                  until that long after its last call (AMI reports the member's LastCall, not this)
 * @param eventMask AMI event classes to receive; {@code agent} carries every queue event and keeps a
 *                  busy Asterisk's channel events (Newexten, VarSet, ...) off the connection
 */
public record AmiSettings(
        boolean enabled,
        String host,
        int port,
        String username,
        String secret,
        String queue,
        String eventMask,
        Duration resyncInterval,
        Duration reconnectMin,
        Duration reconnectMax,
        Duration responseTimeout,
        Duration pingInterval,
        Duration wrapupTime) {

    public static AmiSettings read(ConfigFile cfg) {
        boolean enabled = cfg.bool("ami.enabled", false);
        String username = enabled ? cfg.requiredString("ami.username") : cfg.string("ami.username", "");
        String secret = enabled ? cfg.requiredString("ami.secret") : cfg.string("ami.secret", "");
        Duration min = cfg.duration("ami.reconnect-min", Duration.ofMillis(500));
        Duration max = cfg.duration("ami.reconnect-max", Duration.ofSeconds(30));
        if (max.compareTo(min) < 0) {
            cfg.problem("ami.reconnect-max", "must not be shorter than ami.reconnect-min (" + min.toMillis() + " ms)");
        }
        Duration resync = cfg.duration("ami.resync-interval", Duration.ofSeconds(30));
        if (resync.compareTo(Duration.ofSeconds(1)) < 0) {
            cfg.problem("ami.resync-interval", "must be at least 1s: QueueStatus is not free on a busy Asterisk");
        }
        return new AmiSettings(
                enabled,
                cfg.string("ami.host", "127.0.0.1"),
                cfg.integer("ami.port", 5038, 1, 65535),
                username,
                secret,
                cfg.string("ami.queue", "12345-agents"),
                cfg.string("ami.event-mask", "agent"),
                resync,
                min,
                max,
                cfg.duration("ami.response-timeout", Duration.ofSeconds(5)),
                ping(cfg),
                wrapup(cfg));
    }

    private static Duration wrapup(ConfigFile cfg) {
        Duration wrapup = cfg.duration("ami.wrapup-time", Duration.ZERO);
        if (wrapup.isNegative()) {
            cfg.problem("ami.wrapup-time", "must not be negative (the queue's wrapuptime in queues.conf, 0s for none)");
            return Duration.ZERO;
        }
        return wrapup;
    }

    private static Duration ping(ConfigFile cfg) {
        Duration ping = cfg.duration("ami.ping-interval", Duration.ofSeconds(10));
        if (ping.compareTo(Duration.ofMillis(100)) < 0) {
            cfg.problem("ami.ping-interval", "must be at least 100ms");
            return Duration.ofSeconds(10);
        }
        return ping;
    }

    /** For tests and the demo: an enabled connection to {@code host:port} with defaults elsewhere. */
    public static AmiSettings of(String host, int port, String username, String secret, String queue) {
        return new AmiSettings(true, host, port, username, secret, queue, "agent", Duration.ofSeconds(30),
                Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ZERO);
    }

    public AmiSettings withWrapup(Duration wrapup) {
        return new AmiSettings(enabled, host, port, username, secret, queue, eventMask, resyncInterval, reconnectMin,
                reconnectMax, responseTimeout, pingInterval, wrapup);
    }

    public AmiSettings withResync(Duration interval) {
        return new AmiSettings(enabled, host, port, username, secret, queue, eventMask, interval, reconnectMin,
                reconnectMax, responseTimeout, pingInterval, wrapupTime);
    }

    public AmiSettings withPing(Duration interval) {
        return new AmiSettings(enabled, host, port, username, secret, queue, eventMask, resyncInterval, reconnectMin,
                reconnectMax, responseTimeout, interval, wrapupTime);
    }

    @Override
    public String toString() {
        // Never print the secret.
        return "AmiSettings[" + username + "@" + host + ":" + port + ", queue " + queue + ", enabled " + enabled + "]";
    }
}
