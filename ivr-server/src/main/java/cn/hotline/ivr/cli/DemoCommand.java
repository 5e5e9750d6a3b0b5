package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.sim.SimulatedCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code ivr demo}: starts the real server with the demo configuration and places simulated calls
 * through it, printing what each call did. Exits 0 when every call ended as expected.
 */
final class DemoCommand implements Command {
    private record Scenario(String title, SimulatedCall.Options options, String expectedRoute) {
    }

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String usage() {
        return "demo [--config FILE]         run the server and place simulated calls through it";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path file = args.path("--config", null);
        args.done();
        Settings settings = file != null ? Settings.load(file, System.getenv()) : Settings.read(bundledConfig());
        SimulatedCall.Options base = SimulatedCall.Options.defaults().withPromptTime(Duration.ofMillis(200));
        List<Scenario> scenarios = List.of(
                new Scenario("A citizen dials 12345: no menu, straight to the agent queue", base, "queue"),
                new Scenario("Enterprise line 123458 with a menu: presses 1 during the greeting",
                        base.withDnid("123458").withCaller("057187001234").withDigits("1"), "queue-enterprise"),
                new Scenario("Enterprise line: presses nothing, twice: falls back to the queue, never hung up on",
                        base.withDnid("123458").withDigits("www"), "queue"),
                new Scenario("Enterprise line: presses 0 for an agent", base.withDnid("123458").withDigits("w0"), "queue"),
                new Scenario("A caller hangs up during the greeting", base.withHangupAfterMs(100), null));
        int failures = 0;
        try (HotlineServer server = new HotlineServer(settings, file, System.getenv())) {
            server.start();
            out.println("server: FastAGI " + server.agiAddress() + ", operations http://"
                    + server.httpAddress().getHostString() + ":" + server.httpAddress().getPort() + "/metrics");
            int n = 0;
            for (Scenario s : scenarios) {
                out.println();
                out.println("call " + (++n) + ": " + s.title());
                SimulatedCall.Result r = new SimulatedCall(server.agiAddress(), s.options(),
                        e -> out.println("    " + e.command() + "  ->  " + e.reply())).run();
                boolean ok = r.serverClosed() && (s.expectedRoute() == null
                        ? r.outcome().equals("caller_hangup")
                        : s.expectedRoute().equals(r.variables().get("IVR_ROUTE")));
                out.println("  " + (ok ? "ok" : "UNEXPECTED") + ": " + CallCommand.summaryLine(r));
                failures += ok ? 0 : 1;
            }
        }
        out.println();
        out.println(failures == 0 ? "demo finished: every call ended as expected" : "demo: " + failures + " call(s) went wrong");
        return failures == 0 ? 0 : 1;
    }

    static ConfigFile bundledConfig() throws IOException, cn.hotline.ivr.ops.ConfigException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/demo/demo.yaml")) {
            String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return ConfigFile.fromYaml("(bundled demo.yaml)", yaml, Path.of("."), Map.of());
        }
    }
}
