package cn.hotline.ivr.cli;

import java.io.PrintStream;

/** {@code ivr bench NAME ...}: the benchmarks, each printing its measurements as JSON. */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "bench agi --calls N --concurrency C [--hold-ms MS]   measure the FastAGI server (JSON)";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        String which = args.positional(0, "benchmark name (agi)");
        return switch (which) {
            case "agi" -> AgiBench.run(args, out, err);
            default -> throw new UsageException("unknown benchmark '" + which + "'");
        };
    }
}
