package cn.hotline.ivr.agent;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent desk server (Netty): serves the reference agent page and the desk WebSocket {@code /desk}
 * over which screen pops are pushed.
 *
 * <p>A desk signs in with its first WebSocket message, {@code {"type":"auth","agent":..,"token":..}}: the
 * token never appears in a URL, which reverse proxies write to their access logs. A wrong or missing token
 * (or any other first message) completes the WebSocket handshake and is then closed with code 1008 and a
 * reason the page shows ("invalid token for agent 'agent1'"): a browser cannot read an HTTP 401 on a
 * WebSocket, only a close reason. The old {@code /desk?agent=..&token=..} is still accepted for this release
 * (a WARN once per agent says to move). Desks silent for 25 s are pinged and dropped after 50 s of silence.
 *
 * <p>Until it is a signed-in desk, a connection has {@code agent.request-timeout} to send each complete HTTP
 * request and then its auth message; there are at most {@code agent.max-desks} such connections at a time.
 * Connections that connect and send nothing, or trickle a request (slowloris), cannot pile up.
 */
public final class AgentDeskServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentDeskServer.class);
    private static final int MAX_FRAME = 64 * 1024;
    /** Request line and header block limits (Netty's defaults, stated): the page's requests need a fraction. */
    static final int MAX_REQUEST_LINE = 4096;
    static final int MAX_HEADERS = 8192;
    private static final String RESOURCES = "/cn/hotline/ivr/agent/";
    private static final Map<String, String> PAGES = Map.of(
            "/", "desk.html", "/index.html", "desk.html", "/desk.js", "desk.js", "/desk.css", "desk.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");
    static final String AUTH_FIRST = "the first message must be {\"type\":\"auth\",\"agent\":..,\"token\":..}";

    private final ScreenPops pops;
    private final int maxDesks;
    private final List<String> origins;
    private final long keepaliveSeconds;
    private final Duration requestTimeout;
    private final MeterRegistry registry;
    /** Connections that are no signed-in desk yet (loading the page, handshaking, signing in). */
    private final AtomicInteger unsignedConnections = new AtomicInteger();
    private final AtomicLong lastCapWarning = new AtomicLong(System.nanoTime() - TimeUnit.MINUTES.toNanos(1));
    /** Agents whose desk sent its token in the URL, warned about once each. */
    private final Set<String> warnedUrlToken = ConcurrentHashMap.newKeySet();
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(2);
    private final Channel server;
    private final Map<String, byte[]> files;

    private AgentDeskServer(AgentSettings settings, ScreenPops pops) throws InterruptedException {
        this.pops = pops;
        this.maxDesks = settings.maxDesks();
        this.origins = settings.origins();
        this.keepaliveSeconds = Math.max(1, settings.keepalive().toSeconds());
        this.requestTimeout = settings.requestTimeout();
        this.registry = pops.registry();
        this.files = Map.of("desk.html", resource("desk.html"), "desk.js", resource("desk.js"), "desk.css", resource("desk.css"));
        this.server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new SignInDeadline(),
                                new HttpServerCodec(MAX_REQUEST_LINE, MAX_HEADERS, 8192),
                                new HttpObjectAggregator(MAX_FRAME), new HttpHandler());
                    }
                })
                .bind(settings.bind()).sync().channel();
    }

    /** Binds {@code agent.bind} (port 0 picks a free port) and serves until closed. */
    public static AgentDeskServer start(AgentSettings settings, ScreenPops pops) throws InterruptedException {
        AgentDeskServer s = new AgentDeskServer(settings, pops);
        LOG.info("agent desk page on http://{}/ (desk WebSocket /desk)", hostPort(s.address()));
        return s;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The page URL for {@code agent} with its token in the fragment (never sent to the server in requests). */
    public String pageUrl(String agent, String token) {
        return "http://" + hostPort(address()) + "/#agent=" + agent + "&token=" + token;
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static byte[] resource(String name) {
        try (InputStream in = AgentDeskServer.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("agent page resource missing from the jar: " + RESOURCES + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Plain HTTP: the page, or the upgrade to a desk WebSocket. */
    private final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            SignInDeadline deadline = ctx.pipeline().get(SignInDeadline.class);
            if (deadline != null) {
                deadline.requestReceived();
            }
            if (req.decoderResult().isFailure()) {
                // Closed after the answer: Netty's decoder discards everything after a bad request anyway.
                Throwable cause = req.decoderResult().cause();
                String text = cause instanceof TooLongHttpLineException
                        ? "request line longer than " + MAX_REQUEST_LINE + " bytes (the agent page is at /)\n"
                        : cause instanceof TooLongHttpHeaderException
                        ? "request headers longer than " + MAX_HEADERS + " bytes (the agent page is at /)\n"
                        // Netty turns bytes that are no request (TLS to a plain port, a scanner) into a dummy GET: say so.
                        : "not an HTTP request this server understands (the agent page is at /)\n";
                HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                        : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                        : HttpResponseStatus.BAD_REQUEST;
                ctx.writeAndFlush(response(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8)))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            if (!req.method().equals(HttpMethod.GET)) {
                respond(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                        "only GET is served here\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (uri.path().equals("/desk")) {
                if (!isWebSocketUpgrade(req)) {
                    // Without this, Netty's handshaker throws on a plain GET and the client waits forever.
                    FullHttpResponse res = response(HttpResponseStatus.UPGRADE_REQUIRED, "text/plain; charset=utf-8",
                            "/desk is the desk's WebSocket; open the agent page at / instead\n"
                                    .getBytes(StandardCharsets.UTF_8));
                    res.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
                    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                upgrade(ctx, req, uri);
                return;
            }
            String file = PAGES.get(uri.path());
            if (file == null) {
                respond(ctx, req, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                        ("no such page: " + uri.path() + " (the agent page is at /)\n")
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            respond(ctx, req, HttpResponseStatus.OK, TYPES.get(file.substring(file.lastIndexOf('.') + 1)), files.get(file));
        }

        private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri) {
            String foreign = foreignOrigin(req);
            if (foreign != null) {
                LOG.warn("desk refused from {}: {}", ctx.channel().remoteAddress(), foreign);
                FullHttpResponse res = response(HttpResponseStatus.FORBIDDEN, "text/plain; charset=utf-8",
                        (foreign + "\n").getBytes(StandardCharsets.UTF_8));
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            // Deprecated: the token in the URL (proxies log URLs). Without one the desk signs in with its first message.
            String urlAgent = first(uri, "agent");
            String urlToken = first(uri, "token");
            String url = "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + "/desk";
            WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url, null, false, MAX_FRAME)
                    .newHandshaker(req);
            if (hs == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            Channel ch = ctx.channel();
            hs.handshake(ch, req).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    ch.close();
                    return;
                }
                ch.pipeline().remove(HttpHandler.this);
                if (urlToken != null) {
                    if (signIn(ch, hs, urlAgent, urlToken) && warnedUrlToken.add(urlAgent)) {
                        LOG.warn("desk of agent {} sent its token in the /desk URL, which proxies write to their logs:"
                                + " send {\"type\":\"auth\",\"agent\":..,\"token\":..} as the first WebSocket message"
                                + " instead (see docs/agent.md); tokens in the URL will be refused from the next release",
                                urlAgent);
                    }
                    return;
                }
                ch.pipeline().addLast(new AuthHandler(hs));
                SignInDeadline deadline = ch.pipeline().get(SignInDeadline.class);
                if (deadline != null) {
                    deadline.awaitAuth();
                }
            });
        }

        /**
         * Why a browser page may not open a desk (null: it may). Browsers send {@code Origin} on every
         * WebSocket handshake; without this check any site the agent visits could open a desk with a
         * token it obtained and read pops. Clients without {@code Origin} (CTI, benchmarks) are no browser
         * page and are judged by their token alone.
         */
        private String foreignOrigin(FullHttpRequest req) {
            String origin = req.headers().get(HttpHeaderNames.ORIGIN);
            if (origin == null) {
                return null;
            }
            String normal = AgentSettings.origin(origin);
            if (normal != null && (origins.contains(normal) || sameHost(normal, req.headers().get(HttpHeaderNames.HOST)))) {
                return null;
            }
            return "origin '" + printable(origin) + "' may not open a desk: open the agent page from this server,"
                    + " or list that origin in agent.origins";
        }

        /** The page came from the address the browser is connecting to (scheme aside: a TLS proxy may sit in front). */
        private static boolean sameHost(String origin, String host) {
            if (host == null) {
                return false;
            }
            try {
                java.net.URI o = new java.net.URI(origin);
                java.net.URI h = new java.net.URI("x://" + host);
                int defaultPort = o.getScheme().equals("https") ? 443 : 80;
                return h.getHost() != null && h.getHost().equalsIgnoreCase(o.getHost())
                        && (h.getPort() == -1 ? defaultPort : h.getPort()) == (o.getPort() == -1 ? defaultPort : o.getPort());
            } catch (java.net.URISyntaxException e) {
                return false;
            }
        }

        private static boolean isWebSocketUpgrade(FullHttpRequest req) {
            return req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                    && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // E.g. a handshake Netty refuses (bad Sec-WebSocket-Key): answer instead of leaving the client hanging.
            LOG.warn("desk page request from {} failed: {}", ctx.channel().remoteAddress(), cause.getMessage());
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(response(HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                        "bad request (the agent page is at /)\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static String first(QueryStringDecoder uri, String name) {
            List<String> values = uri.parameters().get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        private void respond(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String type,
                             byte[] body) {
            FullHttpResponse res = response(status, type, body);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (keepAlive) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(res).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Admits a desk whose agent and token check out (constant-time compare); otherwise closes it with 1008 and
     * the reason, which the page shows. Returns whether the desk was admitted.
     */
    private boolean signIn(Channel ch, WebSocketServerHandshaker hs, String agent, String token) {
        if (agent == null || agent.isEmpty() || token == null || !pops.tokenValid(agent, token)) {
            String why = agent == null || agent.isEmpty() || token == null
                    ? "missing agent or token: " + AUTH_FIRST
                    : "invalid token for agent '" + printable(agent) + "'";
            refuse(ch, why);
            return false;
        }
        if (pops.connectedDesks() >= maxDesks) {
            ch.writeAndFlush(new CloseWebSocketFrame(1013, "too many desks connected (agent.max-desks)"))
                    .addListener(ChannelFutureListener.CLOSE);
            return false;
        }
        SignInDeadline deadline = ch.pipeline().get(SignInDeadline.class);
        if (deadline != null) {
            deadline.signedIn();   // from here the keepalive rules below decide when a desk is gone
        }
        // Pinged after 25 s without a word from the desk (not after 25 s without writing: a desk that
        // receives pops all the time would never be pinged, never answer, and be dropped), closed after 50 s.
        ch.pipeline().addLast(new IdleStateHandler(25, 0, 0), new DeskHandler(agent, hs));
        // The page pings this often and takes a silent link for dead: a desk must not look connected and miss pops.
        // Flushed only once the desk is registered: a client that has its hello is signed in (DeskProbe relies on it).
        ch.write(new TextWebSocketFrame(Json.write(Map.of("type", "hello", "agent", agent,
                "keepaliveSeconds", keepaliveSeconds))));
        pops.desks().add(agent, ch);   // a desk that connects late gets the call (or hears it ended)
        ch.flush();
        LOG.info("desk connected for agent {} ({} desks)", agent, pops.desks().deskCount(agent));
        return true;
    }

    private static void refuse(Channel ch, String why) {
        LOG.warn("desk refused from {}: {}", ch.remoteAddress(), why);
        ch.writeAndFlush(new CloseWebSocketFrame(1008, why)).addListener(ChannelFutureListener.CLOSE);
    }

    private void dropped(String reason) {
        registry.counter("ivr.agent.desk.dropped", "reason", reason).increment();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * First in every connection's pipeline until it is a signed-in desk. Each HTTP request must be complete,
     * and a desk's auth message must arrive, within {@code agent.request-timeout} (counted from the connection,
     * the previous request, or the WebSocket handshake), or the connection is closed: without this a client
     * that connects and sends nothing, or sends a header line every few seconds (slowloris), holds a file
     * descriptor for ever. At most {@code agent.max-desks} connections are in this state at once. Everything
     * runs on the connection's event loop.
     */
    private final class SignInDeadline extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> timer;
        private boolean firstRequest = true;   // nothing served yet on this connection
        private boolean partial;               // bytes of a request that is not complete yet
        private boolean awaitingAuth;
        private boolean counted;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            counted = true;
            if (unsignedConnections.incrementAndGet() > maxDesks) {
                dropped("too-many-connecting");
                long now = System.nanoTime();
                long last = lastCapWarning.get();
                // One line a second at most: this is what a flood of connections looks like.
                if (now - last > TimeUnit.SECONDS.toNanos(1) && lastCapWarning.compareAndSet(last, now)) {
                    LOG.warn("agent desk connection from {} refused: {} connections are still loading the page or"
                            + " signing in (agent.max-desks); more refused meanwhile are counted in"
                            + " ivr_agent_desk_dropped_total", ctx.channel().remoteAddress(), maxDesks);
                }
                ctx.close();
                return;
            }
            arm();
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!awaitingAuth) {
                partial = true;   // before passing it on: the request it completes clears this again
            }
            super.channelRead(ctx, msg);
        }

        /** A complete request arrived; the next one (keep-alive) gets the same time. */
        void requestReceived() {
            firstRequest = false;
            partial = false;
            arm();
        }

        /** The WebSocket is open: the desk has the same time to send its auth message. */
        void awaitAuth() {
            awaitingAuth = true;
            arm();
        }

        void signedIn() {
            cancel();
            release();
            ctx.pipeline().remove(this);
        }

        private void arm() {
            cancel();
            timer = ctx.executor().schedule(this::expire, requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void expire() {
            Channel ch = ctx.channel();
            if (!ch.isActive()) {
                return;
            }
            String bound = seconds(requestTimeout) + " (agent.request-timeout)";
            if (awaitingAuth) {
                dropped("no-auth");
                LOG.info("desk from {} closed: no auth message within {}", ch.remoteAddress(), bound);
                // Not 1008: the page reconnects after this one (a refusal it would not retry).
                ch.writeAndFlush(new CloseWebSocketFrame(4408, "no auth message within " + seconds(requestTimeout)))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (partial) {
                dropped("incomplete-request");
                LOG.info("agent desk connection from {} closed: HTTP request not complete within {}", ch.remoteAddress(), bound);
            } else if (firstRequest) {
                dropped("no-request");
                LOG.info("agent desk connection from {} closed: no HTTP request within {}", ch.remoteAddress(), bound);
            } else {
                LOG.debug("agent desk connection from {} idle after its last request; closed", ch.remoteAddress());
            }
            ch.close();
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        private void release() {
            if (counted) {
                counted = false;
                unsignedConnections.decrementAndGet();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            cancel();
            release();
            super.channelInactive(ctx);
        }
    }

    /** Close, ping and pong frames, answered alike before and after sign-in; true when {@code frame} was one. */
    private static boolean controlFrame(ChannelHandlerContext ctx, WebSocketServerHandshaker handshaker, WebSocketFrame frame) {
        switch (frame) {
            case CloseWebSocketFrame close -> handshaker.close(ctx.channel(), close.retain());
            case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            case PongWebSocketFrame pong -> { }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** A desk WebSocket before it signed in: its first message must be the auth message; nothing else is read. */
    private final class AuthHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final WebSocketServerHandshaker handshaker;

        AuthHandler(WebSocketServerHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (controlFrame(ctx, handshaker, frame)) {
                return;
            }
            if (frame instanceof TextWebSocketFrame text && text.isFinalFragment()) {
                auth(ctx, text.text());
            } else {
                refuse(ctx.channel(), AUTH_FIRST);
            }
        }

        private void auth(ChannelHandlerContext ctx, String text) {
            JsonNode m;
            try {
                m = Json.MAPPER.readTree(text);
            } catch (IOException e) {
                m = null;   // never logged: it may hold a token
            }
            if (m == null || !"auth".equals(m.path("type").asText())) {
                refuse(ctx.channel(), AUTH_FIRST);
                return;
            }
            ctx.pipeline().remove(this);
            signIn(ctx.channel(), handshaker, m.path("agent").isTextual() ? m.path("agent").asText() : null,
                    m.path("token").isTextual() ? m.path("token").asText() : null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warn("desk from {} failed before signing in: {}", ctx.channel().remoteAddress(),
                    cause.getMessage() == null ? cause.toString() : cause.getMessage());
            ctx.close();
        }
    }

    /**
     * Text a client made up, fit for a log line and a close frame: no control characters (a CR/LF would
     * forge log lines), at most 30 characters, so a close reason stays within the 123 bytes a close frame
     * has room for even in Chinese.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(30).forEach(c -> b.appendCodePoint(Character.isISOControl(c) || !Character.isDefined(c) ? '?' : c));
        return s.codePointCount(0, s.length()) > 30 ? b + "…" : b.toString();
    }

    private static FullHttpResponse response(HttpResponseStatus status, String type, byte[] body) {
        ByteBuf content = Unpooled.wrappedBuffer(body);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff")
                .set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; frame-ancestors 'none'");
        return res;
    }

    /** One desk's WebSocket: corrections in, pings both ways, close. */
    private final class DeskHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final String agent;
        private final WebSocketServerHandshaker handshaker;

        DeskHandler(String agent, WebSocketServerHandshaker handshaker) {
            this.agent = agent;
            this.handshaker = handshaker;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!controlFrame(ctx, handshaker, frame) && frame instanceof TextWebSocketFrame text) {
                message(ctx, text.text());
            }
        }

        private void message(ChannelHandlerContext ctx, String text) {
            try {
                JsonNode m = Json.MAPPER.readTree(text);
                if ("ping".equals(m.path("type").asText())) {
                    ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"pong\"}"));
                } else if ("correction".equals(m.path("type").asText())) {
                    pops.corrected(agent, m.path("callId").asText(null), m.path("field").asText(null))
                            .ifPresent(error -> ctx.writeAndFlush(new TextWebSocketFrame(
                                    Json.write(Map.of("type", "error", "message", error)))));
                }
            } catch (IOException e) {
                LOG.warn("desk of agent {} sent a message that is not JSON; ignored", agent);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.READER_IDLE && idle.isFirst()) {
                    ctx.writeAndFlush(new PingWebSocketFrame());   // a browser answers with a pong by itself
                } else if (idle.state() == IdleState.READER_IDLE) {
                    LOG.info("desk of agent {} silent for 50 s (no pong to our ping); closing", agent);
                    ctx.close();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The cause's message (a too long frame says so), not its class name: operators read this line.
            LOG.warn("desk of agent {} failed: {}", agent, cause.getMessage() == null ? cause.toString() : cause.getMessage());
            ctx.close();
        }
    }
}
