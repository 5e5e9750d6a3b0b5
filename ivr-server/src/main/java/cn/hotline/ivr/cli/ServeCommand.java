package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.Settings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code ivr serve --config FILE}: runs the server until SIGTERM/SIGINT, then drains gracefully. */
final class ServeCommand implements Command {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String usage() {
        return "serve --config FILE          run the FastAGI server (SIGTERM drains calls, then exits)";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path file = Path.of(args.required("--config"));
        args.done();
        Settings settings = Settings.load(file, System.getenv());
        HotlineServer server = new HotlineServer(settings, file, System.getenv());
        server.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown").unstarted(() -> {
            log.info("shutdown requested: draining calls for up to {} s", settings.http().shutdownGrace().toSeconds());
            try {
                server.shutdown(settings.http().shutdownGrace());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
        }));
        out.println("serving: agi=" + server.agiAddress() + " http=" + server.httpAddress());
        stopped.await();
        return 0;
    }
}
