package cn.hotline.ivr.cli;

import cn.hotline.ivr.workorder.TicketBackend;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ivr ticket-backend}: the development ticket backend (a real HTTP server implementing the
 * contract the outbox expects), with optional misbehaviour for tests and demos. Runs until killed.
 */
final class TicketBackendCommand implements Command {
    @Override
    public String name() {
        return "ticket-backend";
    }

    @Override
    public String usage() {
        return "ticket-backend --port P --data DIR [--bind HOST --fail-rate F --latency-ms MS --down-for-s S --seed N --token T]"
                + "  development ticket backend (POST/GET /work-orders)";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        args.required("--port");
        int port = args.integer("--port", -1);
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be 1-65535 (or 0 for any free port), got " + port);
        }
        Path data = Path.of(args.required("--data"));
        String host = args.string("--bind", "127.0.0.1");
        double failRate = args.decimal("--fail-rate", 0);
        long latencyMs = args.longValue("--latency-ms", 0);
        long downForS = args.longValue("--down-for-s", 0);
        long seed = args.longValue("--seed", System.nanoTime());
        String token = args.string("--token", "");
        args.done();
        if (!(failRate >= 0 && failRate <= 1) || latencyMs < 0 || downForS < 0) {
            throw new UsageException("--fail-rate must be 0..1, --latency-ms and --down-for-s must not be negative");
        }
        TicketBackend backend = TicketBackend.start(new TicketBackend.Options(new InetSocketAddress(host, port), data,
                failRate, Duration.ofMillis(latencyMs), Duration.ofSeconds(downForS), seed, token));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                backend.close();
            } catch (Exception e) {
                err.println("ticket backend: close failed: " + e);
            }
            stopped.countDown();
        }));
        out.println(backend.baseUrl() + (downForS > 0 ? " (down for the first " + downForS + " s)" : ""));
        stopped.await();
        return 0;
    }
}
