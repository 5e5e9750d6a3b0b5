package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.ConfigFile;
import java.net.URI;
import java.time.Duration;

/**
 * The ticket backend ({@code ticket.*}): where drafts are POSTed, how long one attempt may take, and
 * the bearer token it is sent with ("" for none). A timed-out attempt is retried with the same
 * idempotency key, so a slow backend costs retries, never duplicates.
 */
public record TicketSettings(URI baseUrl, Duration connectTimeout, Duration timeout, String token) {
    /** RFC 6750 b64token: what an Authorization header can carry without escaping. */
    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9._~+/-]+=*");

    public TicketSettings(URI baseUrl, Duration connectTimeout, Duration timeout) {
        this(baseUrl, connectTimeout, timeout, "");
    }

    public static TicketSettings defaults(URI baseUrl) {
        return new TicketSettings(baseUrl, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    public static TicketSettings read(ConfigFile cfg) {
        TicketSettings d = defaults(URI.create("http://127.0.0.1:8090/"));
        String url = cfg.string("ticket.base-url", d.baseUrl().toString());
        URI uri = d.baseUrl();
        try {
            URI parsed = URI.create(url);
            if (parsed.getRawUserInfo() != null) {
                // Not echoed: it holds a credential, which would then be in every log line naming the endpoint.
                cfg.problem("ticket.base-url", "must not carry a user or password; put the credential in ticket.token (or IVR_TICKET_TOKEN)");
            } else if (!("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme())) || parsed.getHost() == null) {
                cfg.problem("ticket.base-url", "expected an http:// or https:// URL, got '" + url + "'");
            } else if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
                cfg.problem("ticket.base-url", "must not have a query or fragment (work-orders is appended to it), got '" + url + "'");
            } else {
                uri = parsed;
            }
        } catch (IllegalArgumentException e) {
            cfg.problem("ticket.base-url", "not a URL: '" + url + "'");
        }
        String token = cfg.string("ticket.token", "");
        if (!token.isEmpty() && !TOKEN.matcher(token).matches()) {
            cfg.problem("ticket.token", "must be a bearer token (letters, digits and -._~+/, then optional '='), "
                    + "got " + token.length() + " characters with others among them; the value is not shown");
            token = "";
        }
        return new TicketSettings(uri,
                cfg.duration("ticket.connect-timeout", d.connectTimeout()),
                cfg.duration("ticket.timeout", d.timeout()),
                token);
    }

    /** Never the token: settings may be logged or printed. */
    @Override
    public String toString() {
        return "TicketSettings[baseUrl=" + baseUrl + ", connectTimeout=" + connectTimeout + ", timeout=" + timeout
                + ", token=" + (token.isEmpty() ? "none" : "(set)") + "]";
    }
}
