package cn.hotline.ivr.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operations endpoints on Netty: {@code /health} (the process is alive), {@code /ready} (every
 * dependency can serve calls; 503 with the reasons otherwise) and {@code /metrics} (Prometheus).
 */
public final class OpsHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsHttpServer.class);

    private final InetSocketAddress bind;
    private final PrometheusMeterRegistry registry;
    private final List<HealthCheck> checks;
    private final BooleanSupplier draining;
    private EventLoopGroup group;
    private Channel channel;

    public OpsHttpServer(InetSocketAddress bind, PrometheusMeterRegistry registry, List<HealthCheck> checks,
            BooleanSupplier draining) {
        this.bind = bind;
        this.registry = registry;
        this.checks = List.copyOf(checks);
        this.draining = draining;
    }

    public void start() throws InterruptedException {
        group = new NioEventLoopGroup(1, Thread.ofPlatform().name("ops-http-", 0).factory());
        channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new ReadTimeoutHandler(30))
                                .addLast(new HttpServerCodec(4096, 8192, 8192))
                                .addLast(new HttpObjectAggregator(64 * 1024))
                                .addLast(new Endpoints());
                    }
                })
                .bind(bind).sync().channel();
        InetSocketAddress a = address();
        log.info("operations HTTP on http://{}:{}/ (health, ready, metrics)", a.getHostString(), a.getPort());
    }

    public InetSocketAddress address() {
        InetSocketAddress a = (InetSocketAddress) channel.localAddress();
        return new InetSocketAddress(a.getAddress().getHostAddress(), a.getPort());
    }

    /** The readiness report: name → problem ("ok" when healthy). */
    public Map<String, String> readiness() {
        Map<String, String> report = new LinkedHashMap<>();
        if (draining.getAsBoolean()) {
            report.put("server", "shutting down");
        }
        for (HealthCheck check : checks) {
            String problem;
            try {
                problem = check.problem();
            } catch (RuntimeException e) {
                problem = "check failed: " + e;
            }
            report.put(check.name(), problem == null ? "ok" : problem);
        }
        return report;
    }

    private final class Endpoints extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri().split("\\?", 2)[0];
            FullHttpResponse response;
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n", "text/plain");
            } else {
                response = switch (path) {
                    case "/health" -> text(HttpResponseStatus.OK, "ok\n", "text/plain");
                    case "/ready" -> ready();
                    case "/metrics" -> text(HttpResponseStatus.OK, registry.scrape(),
                            "text/plain; version=0.0.4; charset=utf-8");
                    default -> text(HttpResponseStatus.NOT_FOUND, "not found; try /health, /ready, /metrics\n",
                            "text/plain");
                };
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse ready() {
            Map<String, String> report = readiness();
            boolean ok = report.values().stream().allMatch("ok"::equals);
            return text(ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    Json.write(report) + "\n", "application/json");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("ops HTTP connection closed: {}", cause.toString());
            ctx.close();
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, String type) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
