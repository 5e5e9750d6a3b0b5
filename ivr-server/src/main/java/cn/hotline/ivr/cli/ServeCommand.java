package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.Settings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code ivr serve --config FILE}: runs the server until SIGTERM/SIGINT, then drains gracefully. SIGHUP
 * re-reads the configuration (the JVM's own SIGHUP handling would shut the server down instead).
 */
final class ServeCommand implements Command {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String usage() {
        return "serve --config FILE          run the FastAGI server (SIGHUP reloads the configuration, SIGTERM drains calls, then exits)";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path file = Path.of(args.required("--config"));
        args.done();
        Settings settings = Settings.load(file, System.getenv());
        HotlineServer server = new HotlineServer(settings, file, System.getenv());
        server.start();
        // `systemctl reload` and `kill -HUP` are how operators ask a daemon to re-read its file.
        handle("HUP", signal -> server.reloadConfiguration("SIGHUP"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown").unstarted(() -> {
            long grace = settings.http().shutdownGrace().toSeconds();
            log.info("shutdown requested: draining calls for up to {} s (a second SIGTERM closes them at once)", grace);
            Thread draining = Thread.currentThread();
            // The JVM ignores a signal that arrives while it shuts down: the operator's second one would go unheard.
            for (String name : new String[] {"TERM", "INT"}) {
                handle(name, signal -> {
                    log.warn("SIG{} again while draining: closing the {} call(s) still in progress now", name,
                            server.agiServer().openConnections());
                    draining.interrupt();
                });
            }
            try {
                server.shutdown(settings.http().shutdownGrace());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("stopped: listeners, outbox and intake checkpoints closed; exiting");
            stopped.countDown();
        }));
        out.println("serving: agi=" + server.agiAddress() + " http=" + server.httpAddress());
        stopped.await();
        return 0;
    }

    /** Installs a signal handler; a JVM started with -Xrs (or a platform without the signal) keeps its default. */
    private static void handle(String name, SignalHandler handler) {
        try {
            Signal.handle(new Signal(name), handler);
        } catch (IllegalArgumentException e) {
            log.warn("SIG{} cannot be handled in this JVM ({}): it keeps its default action", name, e.getMessage());
        }
    }
}
