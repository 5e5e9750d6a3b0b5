package cn.hotline.ivr.agent;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
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
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent desk server (Netty): serves the reference agent page and the desk WebSocket
 * {@code /desk?agent=<id>&token=<token>} over which screen pops are pushed.
 *
 * <p>A wrong or missing token completes the WebSocket handshake and is then closed with code 1008 and
 * a reason the page shows ("invalid token for agent 'agent1'"): a browser cannot read an HTTP 401 on
 * a WebSocket, only a close reason. Desks silent for 25 s are pinged and dropped after 50 s of silence.
 */
public final class AgentDeskServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentDeskServer.class);
    private static final int MAX_FRAME = 64 * 1024;
    private static final String RESOURCES = "/cn/hotline/ivr/agent/";
    private static final Map<String, String> PAGES = Map.of(
            "/", "desk.html", "/index.html", "desk.html", "/desk.js", "desk.js", "/desk.css", "desk.css");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");

    private final ScreenPops pops;
    private final int maxDesks;
    private final List<String> origins;
    private final long keepaliveSeconds;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(2);
    private final Channel server;
    private final Map<String, byte[]> files;

    private AgentDeskServer(AgentSettings settings, ScreenPops pops) throws InterruptedException {
        this.pops = pops;
        this.maxDesks = settings.maxDesks();
        this.origins = settings.origins();
        this.keepaliveSeconds = Math.max(1, settings.keepalive().toSeconds());
        this.files = Map.of("desk.html", resource("desk.html"), "desk.js", resource("desk.js"), "desk.css", resource("desk.css"));
        this.server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_FRAME),
                                new HttpHandler());
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
            if (req.decoderResult().isFailure()) {
                // Netty turns bytes that are no request (TLS to a plain port, a scanner) into a dummy GET: say so.
                respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                        "not an HTTP request this server understands (the agent page is at /)\n"
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            if (!req.method().equals(HttpMethod.GET)) {
                respond(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                        "only GET is served here\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            if (uri.path().equals("/desk")) {
                if (!isWebSocketUpgrade(req)) {
                    // Without this, Netty's handshaker throws on a plain GET and the client waits forever.
                    FullHttpResponse res = response(HttpResponseStatus.UPGRADE_REQUIRED, "text/plain; charset=utf-8",
                            "/desk is the desk's WebSocket; open the agent page at / instead\n"
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
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
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            respond(ctx, req, HttpResponseStatus.OK, TYPES.get(file.substring(file.lastIndexOf('.') + 1)), files.get(file));
        }

        private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri) {
            String foreign = foreignOrigin(req);
            if (foreign != null) {
                LOG.warn("desk refused from {}: {}", ctx.channel().remoteAddress(), foreign);
                FullHttpResponse res = response(HttpResponseStatus.FORBIDDEN, "text/plain; charset=utf-8",
                        (foreign + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            String agent = first(uri, "agent");
            String token = first(uri, "token");
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
                if (agent == null || token == null || !pops.tokenValid(agent, token)) {
                    String why = agent == null || token == null
                            ? "missing agent or token: connect to /desk?agent=<id>&token=<token>"
                            : "invalid token for agent '" + printable(agent) + "'";
                    LOG.warn("desk refused from {}: {}", ch.remoteAddress(), why);
                    ch.writeAndFlush(new CloseWebSocketFrame(1008, why)).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                if (pops.connectedDesks() >= maxDesks) {
                    ch.writeAndFlush(new CloseWebSocketFrame(1013, "too many desks connected (agent.max-desks)"))
                            .addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                ch.pipeline().remove(HttpHandler.this);
                // Pinged after 25 s without a word from the desk (not after 25 s without writing: a desk that
                // receives pops all the time would never be pinged, never answer, and be dropped), closed after 50 s.
                ch.pipeline().addLast(new IdleStateHandler(25, 0, 0), new DeskHandler(agent, hs));
                // The page pings this often and takes a silent link for dead: a desk must not look connected and miss pops.
                ch.writeAndFlush(new TextWebSocketFrame(Json.write(Map.of("type", "hello", "agent", agent,
                        "keepaliveSeconds", keepaliveSeconds))));
                pops.desks().add(agent, ch);   // a desk that connects late gets the call (or hears it ended)
                LOG.info("desk connected for agent {} ({} desks)", agent, pops.desks().deskCount(agent));
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
            switch (frame) {
                case CloseWebSocketFrame close -> handshaker.close(ctx.channel(), close.retain());
                case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                case TextWebSocketFrame text -> message(ctx, text.text());
                default -> { }
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
