package cn.hotline.ivr.cli;

import java.io.PrintStream;

/** One {@code ivr} sub-command. Results go to {@code out} (often JSON), diagnostics to {@code err}. */
public interface Command {
    String name();

    /** One line for {@code ivr help}, starting with the usage. */
    String usage();

    /** Returns the process exit code: 0 success, 1 failure, 2 bad usage or configuration. */
    int run(Args args, PrintStream out, PrintStream err) throws Exception;
}
