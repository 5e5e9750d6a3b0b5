package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.sim.ami.AmiSimulatorCommand;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code ivr} command line. Every sub-command is registered here, in one place. */
public final class Main {
    /** Options that take no value, across all commands. */
    static final Set<String> FLAGS = Set.of("--help", "--json", "--verbose", "--stop-on-error", "--no-model");

    private Main() {
    }

    static Map<String, Command> commands() {
        Map<String, Command> all = new LinkedHashMap<>();
        for (Command c : List.<Command>of(
                new ServeCommand(),
                new CheckConfigCommand(),
                new CallCommand(),
                new PromptsCommand(),
                new DemoCommand(),
                new BenchCommand(),
                new TranscribeCommand(),
                new EvalAsrCommand(),
                new EvalVadCommand(),
                new ClassifyCommand(),
                new TrainNluCommand(),
                new EvalNluCommand(),
                new EvalRegionCommand(),
                new OutboxCommand(),
                new TicketBackendCommand(),
                new AmiSimulatorCommand())) {
            all.put(c.name(), c);
        }
        return all;
    }

    public static void main(String[] argv) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        // A library thread that dies (Asterisk-Java's AMI reader on garbage input) would otherwise
        // print its trace to stderr around the log: one log line instead.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> org.slf4j.LoggerFactory.getLogger(Main.class)
                .error("thread {} stopped on an unexpected error: {}", thread.getName(), e.toString()));
        System.exit(run(argv, out, err));
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help")) {
            err.println("usage: ivr COMMAND [options]\n");
            commands.values().forEach(c -> err.println("  " + c.usage()));
            return argv.length == 0 ? 2 : 0;
        }
        Command command = commands.get(argv[0]);
        if (command == null) {
            err.println("ivr: unknown command '" + argv[0] + "' (run 'ivr help' for the list)");
            return 2;
        }
        try {
            Args args = new Args(Arrays.asList(argv).subList(1, argv.length), FLAGS);
            return command.run(args, out, err);
        } catch (UsageException e) {
            err.println("ivr " + command.name() + ": " + e.getMessage());
            err.println("usage: " + command.usage());
            return 2;
        } catch (ConfigException e) {
            // One line per problem, "where: key: reason", the same lines check-config prints.
            e.problems().forEach(err::println);
            return 2;
        } catch (Exception e) {
            err.println("ivr " + command.name() + ": " + e);
            return 1;
        }
    }
}
