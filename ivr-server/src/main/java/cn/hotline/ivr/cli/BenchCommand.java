package cn.hotline.ivr.cli;

import cn.hotline.ivr.agent.ScreenPopBench;
import cn.hotline.ivr.speech.MediaBench;
import cn.hotline.ivr.speech.VoskBench;
import cn.hotline.ivr.understanding.NluBench;
import cn.hotline.ivr.workorder.OutboxBench;
import java.io.PrintStream;

/** {@code ivr bench NAME ...}: the benchmarks, each printing its measurements as JSON. */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "bench agi|media|vosk|nlu|outbox|screen-pop|queue [options]   benchmarks, JSON on stdout"
                + " (agi: --calls N --concurrency C [--hold-ms MS]; media: --streams N; outbox: --drafts N [--speakers S];"
                + " queue: --callers N --agents M --minutes T)";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        String which = args.positional(0, "benchmark name (agi, media, vosk, nlu, outbox, screen-pop, queue)");
        return switch (which) {
            case "agi" -> AgiBench.run(args, out, err);
            case "media" -> MediaBench.run(args, out, err);
            case "vosk" -> VoskBench.run(args, out, err);
            case "nlu" -> NluBench.run(args, out, err);
            case "outbox" -> OutboxBench.run(args, out, err);
            case "screen-pop" -> ScreenPopBench.run(args, out, err);
            case "queue" -> QueueBench.run(args, out, err);
            default -> throw new UsageException("unknown benchmark '" + which
                    + "' (agi, media, vosk, nlu, outbox, screen-pop, queue)");
        };
    }
}
