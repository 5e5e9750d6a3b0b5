package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.ConfigFile;
import java.net.URI;
import java.time.Duration;

/**
 * The ticket backend ({@code ticket.*}): where drafts are POSTed and how long one attempt may take.
 * A timed-out attempt is retried with the same idempotency key, so a slow backend costs retries, never duplicates.
 */
public record TicketSettings(URI baseUrl, Duration connectTimeout, Duration timeout) {

    public static TicketSettings defaults(URI baseUrl) {
        return new TicketSettings(baseUrl, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    public static TicketSettings read(ConfigFile cfg) {
        TicketSettings d = defaults(URI.create("http://127.0.0.1:8090/"));
        String url = cfg.string("ticket.base-url", d.baseUrl().toString());
        URI uri = d.baseUrl();
        try {
            URI parsed = URI.create(url);
            if (("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme())) && parsed.getHost() != null) {
                uri = parsed;
            } else {
                cfg.problem("ticket.base-url", "expected an http:// or https:// URL, got '" + url + "'");
            }
        } catch (IllegalArgumentException e) {
            cfg.problem("ticket.base-url", "not a URL: '" + url + "'");
        }
        return new TicketSettings(uri,
                cfg.duration("ticket.connect-timeout", d.connectTimeout()),
                cfg.duration("ticket.timeout", d.timeout()));
    }
}
