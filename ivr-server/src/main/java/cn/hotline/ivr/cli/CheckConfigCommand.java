package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.ops.Settings;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code ivr check-config FILE}: validates a configuration and names file, key and reason of every problem,
 * including the data files it points at and the outbox directory, loaded as {@code serve} loads them.
 */
final class CheckConfigCommand implements Command {
    @Override
    public String name() {
        return "check-config";
    }

    @Override
    public String usage() {
        return "check-config FILE            validate a configuration file (exit 2 on any problem)";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        Path file = Path.of(args.positional(0, "configuration FILE"));
        args.done();
        try {
            HotlineServer.preflight(Settings.load(file, System.getenv()));
            out.println(file + ": OK");
            return 0;
        } catch (ConfigException e) {
            for (var p : e.problems()) {
                err.println(p);
            }
            err.println(file + ": " + e.problems().size() + " problem(s)");
            return 2;
        }
    }
}
