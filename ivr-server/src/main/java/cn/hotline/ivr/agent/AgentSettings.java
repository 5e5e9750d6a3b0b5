package cn.hotline.ivr.agent;

import cn.hotline.ivr.ops.ConfigFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The agent desk server ({@code agent.*}): where it listens, which agents may connect with which
 * token, and which queue members (interface or member name) are which agent's desk.
 *
 * <pre>
 * agent:
 *   enabled: true
 *   bind: 127.0.0.1:8081
 *   tokens:  { agent1: 4f0c..., agent2: 9a1e... }        # agent id → token (at least 12 characters)
 *   members: { agent1: Local/agent1@agents, agent2: [PJSIP/6002, Bob] }   # agent id → members
 *   origins: [https://desk.hotline.example]   # pages elsewhere that may open a desk (a proxy in front)
 *   request-timeout: 10s   # a connection's time to send its request, and a desk's to send its auth message
 * </pre>
 * Members are the values, not the keys, because interfaces contain {@code / @ .} that YAML keys
 * and configuration paths handle badly. A member not listed reaches the desk named like the
 * interface's user part ({@code Local/agent1@agents} → {@code agent1}, {@code PJSIP/6002} → {@code 6002}).
 *
 * @param lookupTimeout how long the pop waits for the draft store before going out without the draft
 *                      (the draft follows as soon as it is found)
 * @param origins       browser origins ({@code https://host[:port]}) besides the server's own address whose
 *                      pages may open a desk WebSocket: the agent page's address when a proxy serves it
 * @param keepalive     how often the agent page checks its link ({@code ping}/{@code pong}); a page that
 *                      hears nothing for two and a half of these drops the link and reconnects
 * @param requestTimeout how long a connection may take to send a complete HTTP request (and, once it is a desk
 *                      WebSocket, its {@code auth} message): a client that connects and sends nothing, or stalls
 *                      mid-request (slowloris), would otherwise hold a file descriptor for ever
 */
public record AgentSettings(boolean enabled, InetSocketAddress bind, Map<String, String> tokens,
                            Map<String, List<String>> members, Duration lookupTimeout, int maxDesks,
                            List<String> origins, Duration keepalive, Duration requestTimeout) {
    static final int MIN_TOKEN_LENGTH = 12;
    static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(20);
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Below a second a page load over a slow VPN fails; above five minutes the bound protects nothing. */
    static final Duration MIN_REQUEST_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_REQUEST_TIMEOUT = Duration.ofMinutes(5);

    public AgentSettings {
        tokens = Map.copyOf(tokens);
        members = Map.copyOf(members);
        origins = List.copyOf(origins);
    }

    public static AgentSettings read(ConfigFile cfg) {
        boolean enabled = cfg.bool("agent.enabled", false);
        Map<String, String> tokens = new LinkedHashMap<>();
        Map<String, String> agentByToken = new HashMap<>();
        // Agents named in agent.tokens, also those rejected there: their problem is reported once, not again below.
        java.util.Set<String> named = new java.util.HashSet<>();
        for (String child : cfg.children("agent.tokens")) {
            String agent = ConfigFile.unescape(child);
            named.add(agent);
            String token = cfg.string("agent.tokens." + child, "");
            if (agent.contains(".")) {
                // Ids become configuration paths (agent.members.<id>) where a dot splits the path.
                cfg.problem("agent.tokens", "agent id '" + agent + "' must not contain '.' (use '-' or '_')");
            } else if (token.length() < MIN_TOKEN_LENGTH) {
                cfg.problem("agent.tokens." + agent, "token must be at least " + MIN_TOKEN_LENGTH
                        + " characters (use e.g. 'openssl rand -hex 16')");
            } else if (agentByToken.putIfAbsent(token, agent) != null) {
                cfg.problem("agent.tokens." + agent, "same token as agent '" + agentByToken.get(token)
                        + "': each agent needs its own, or one desk could sign in as the other");
            } else {
                tokens.put(agent, token);
            }
        }
        if (enabled && tokens.isEmpty()) {
            cfg.problem("agent.tokens", "no agent can connect: add agent.tokens.<agent id>: <token>");
        }
        Map<String, List<String>> members = new LinkedHashMap<>();
        Map<String, String> agentByMember = new HashMap<>();
        for (String child : cfg.children("agent.members")) {
            String agent = ConfigFile.unescape(child);
            List<String> channels = cfg.strings("agent.members." + child, List.of());
            if (agent.contains(".")) {
                cfg.problem("agent.members", "agent id '" + agent + "' must not contain '.' (use '-' or '_')");
                continue;
            }
            members.put(agent, channels);
            for (String member : channels) {
                String other = agentByMember.putIfAbsent(member, agent);
                if (other != null && !other.equals(agent)) {
                    cfg.problem("agent.members." + agent, "member '" + member + "' is already listed under agent '" + other
                            + "': a screen pop goes to one desk only");
                }
            }
            if (!named.contains(agent)) {
                cfg.problem("agent.members." + agent, "agent '" + agent + "' has no token in agent.tokens");
            }
        }
        List<String> origins = new ArrayList<>();
        for (String origin : cfg.strings("agent.origins", List.of())) {
            String normal = origin(origin);
            if (normal == null) {
                cfg.problem("agent.origins", "'" + origin + "' is not an origin: write scheme://host[:port], "
                        + "e.g. https://desk.hotline.example (no path)");
            } else {
                origins.add(normal);
            }
        }
        Duration requestTimeout = cfg.duration("agent.request-timeout", DEFAULT_REQUEST_TIMEOUT);
        if (requestTimeout.compareTo(MIN_REQUEST_TIMEOUT) < 0 || requestTimeout.compareTo(MAX_REQUEST_TIMEOUT) > 0) {
            cfg.problem("agent.request-timeout", "must be between 1s and 5m (how long a connection may take to send"
                    + " its request, and a desk its auth message), got " + cfg.string("agent.request-timeout", ""));
            requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        }
        return new AgentSettings(
                enabled,
                cfg.socketAddress("agent.bind", new InetSocketAddress("127.0.0.1", 8081)),
                tokens,
                members,
                cfg.duration("agent.lookup-timeout", Duration.ofMillis(150)),
                cfg.integer("agent.max-desks", 2_000, 1, 100_000),
                origins,
                cfg.duration("agent.keepalive", DEFAULT_KEEPALIVE),
                requestTimeout);
    }

    /**
     * An origin as browsers send it in the {@code Origin} header ({@code https://host[:port]}, lower case,
     * default port left out), or null when {@code text} is not one.
     */
    static String origin(String text) {
        try {
            URI u = new URI(text.strip());
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            boolean bare = (u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/"))
                    && u.getRawQuery() == null && u.getRawFragment() == null && u.getRawUserInfo() == null;
            if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || !bare) {
                return null;
            }
            int port = u.getPort();
            boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** For tests and the demo. */
    public static AgentSettings of(InetSocketAddress bind, Map<String, String> tokens, Map<String, List<String>> members) {
        return new AgentSettings(true, bind, tokens, members, Duration.ofMillis(150), 2_000, List.of(), DEFAULT_KEEPALIVE,
                DEFAULT_REQUEST_TIMEOUT);
    }

    public AgentSettings withKeepalive(Duration keepalive) {
        return new AgentSettings(enabled, bind, tokens, members, lookupTimeout, maxDesks, origins, keepalive, requestTimeout);
    }

    @Override
    public String toString() {
        return "AgentSettings[bind " + bind + ", agents " + tokens.keySet() + ", members " + members
                + (origins.isEmpty() ? "" : ", origins " + origins) + ", request timeout " + requestTimeout + "]";
    }
}
