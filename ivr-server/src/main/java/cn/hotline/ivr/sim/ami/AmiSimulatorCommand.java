package cn.hotline.ivr.sim.ami;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.cli.Command;
import cn.hotline.ivr.cli.UsageException;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Json;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code ivr sim-ami}: runs the simulated Asterisk AMI with a queue and agents, for pointing a server
 * ({@code ami.enabled: true}) at it without Asterisk. Optionally feeds it callers (Poisson arrivals).
 * Prints the address as JSON at start and the totals as JSON at the end.
 */
public final class AmiSimulatorCommand implements Command {
    @Override
    public String name() {
        return "sim-ami";
    }

    @Override
    public String usage() {
        return "sim-ami [--bind 127.0.0.1:5038] [--agents 2] [--ring-ms 1000] [--talk-ms 8000] [--talk-spread 0.5]"
                + " [--callers-per-minute 0] [--duration-ms 0 (until stopped)]   simulated Asterisk AMI with a queue";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        InetSocketAddress bind;
        try {
            bind = ConfigFile.parseHostPort(args.string("--bind", "127.0.0.1:5038"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--bind: " + e.getMessage());
        }
        int agents = args.integer("--agents", 2);
        int ringMs = args.integer("--ring-ms", 1000);
        int talkMs = args.integer("--talk-ms", 8000);
        double spread = args.decimal("--talk-spread", 0.5);
        double perMinute = args.decimal("--callers-per-minute", 0);
        long durationMs = args.longValue("--duration-ms", 0);
        args.done();
        if (agents < 1 || ringMs < 0 || talkMs < 0 || spread < 0 || spread >= 1 || perMinute < 0 || durationMs < 0) {
            throw new UsageException("--agents >= 1; --ring-ms, --talk-ms, --callers-per-minute, --duration-ms >= 0;"
                    + " --talk-spread in [0, 1)");
        }
        AmiSimulatorConfig config = AmiSimulatorConfig.defaults().withAgents(agents)
                .withTiming(Duration.ofMillis(ringMs), Duration.ofMillis(talkMs));
        try (AmiServerSimulator sim = AmiServerSimulator.start(config, bind)) {
            sim.talkVariation(spread, System.nanoTime());
            Map<String, Object> started = new LinkedHashMap<>();
            started.put("ami", bind.getAddress().getHostAddress() + ":" + sim.port());
            started.put("username", config.username());
            started.put("secret", config.secret());
            started.put("queue", config.queue());
            started.put("agents", agents);
            out.println(Json.write(started));
            long end = durationMs == 0 ? Long.MAX_VALUE : System.nanoTime() + durationMs * 1_000_000L;
            long next = System.nanoTime();
            int n = 0;
            while (System.nanoTime() < end) {
                if (perMinute > 0 && System.nanoTime() >= next) {
                    sim.callerArrives("139" + String.format("%08d", n++), 0);
                    // Exponential gaps make Poisson arrivals at the given rate.
                    double gapMs = -Math.log(1 - ThreadLocalRandom.current().nextDouble()) * 60_000 / perMinute;
                    next = System.nanoTime() + (long) (gapMs * 1_000_000);
                }
                long wakeAt = Math.min(end, perMinute > 0 ? next : end);
                Thread.sleep(Math.clamp((wakeAt - System.nanoTime()) / 1_000_000, 1, 50));
            }
            out.println(Json.write(sim.stats()));
            return 0;
        }
    }
}
