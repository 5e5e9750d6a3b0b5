package cn.hotline.ivr.testing;

import cn.hotline.ivr.cli.HotlineServer;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.sim.SimulatedCall;
import java.nio.file.Path;
import java.util.Map;

/** A real server (the production wiring) on ephemeral loopback ports, configured from YAML text. */
public final class TestServer {
    private TestServer() {
    }

    /** Every listener on a free port: a fixed one (AudioSocket's default 9092) collides with a parallel run or a demo. */
    public static final String PORTS = """
            agi:
              bind: 127.0.0.1:0
            http:
              bind: 127.0.0.1:0
            audiosocket:
              bind: 127.0.0.1:0
            """;

    /** Starts the server; unless the YAML says otherwise, its outbox lives in a fresh temporary directory. */
    public static HotlineServer start(String yaml) throws Exception {
        if (!yaml.contains("outbox:")) {
            Path outbox = java.nio.file.Files.createTempDirectory("ivr-outbox-");
            yaml = yaml + "outbox:\n  dir: " + outbox + "\n";
        }
        Settings settings = Settings.read(ConfigFile.fromYaml("test.yaml", yaml, Path.of("."), Map.of()));
        HotlineServer server = new HotlineServer(settings, null, Map.of());
        server.start();
        return server;
    }

    public static SimulatedCall.Result call(HotlineServer server, SimulatedCall.Options options) {
        return new SimulatedCall(server.agiAddress(), options, e -> { }).run();
    }
}
