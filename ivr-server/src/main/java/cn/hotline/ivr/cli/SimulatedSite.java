package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.sim.ami.AmiServerSimulator;
import cn.hotline.ivr.sim.ami.AmiSimulatorConfig;
import cn.hotline.ivr.workorder.TicketBackend;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything around the server that {@code demo} and {@code bench queue} simulate: a development
 * ticket backend, a simulated Asterisk (AMI queue with agents), and the server settings pointing at
 * them ({@code /demo/demo.yaml} plus the ami, agent, outbox and ticket sections). Closing it stops
 * the backend and the simulator; the work directory is left for inspection.
 */
final class SimulatedSite implements AutoCloseable {
    private final Path work;
    private final TicketBackend backend;
    private final AmiServerSimulator asterisk;
    private final Settings settings;

    private SimulatedSite(Path work, TicketBackend backend, AmiServerSimulator asterisk, Settings settings) {
        this.work = work;
        this.backend = backend;
        this.asterisk = asterisk;
        this.settings = settings;
    }

    /**
     * Starts the backend and the simulator on loopback ports and reads the settings.
     *
     * @param tokens agent id → desk token ({@code agent.tokens})
     * @param env    environment overrides of the settings ({@code IVR_FLOW_INTAKE_ENABLED} …)
     */
    static SimulatedSite start(String prefix, AmiSimulatorConfig ami, Map<String, String> tokens,
                               Map<String, String> env) throws Exception {
        Path work = Files.createTempDirectory(prefix);
        TicketBackend backend = TicketBackend.start(TicketBackend.Options.reliable(0, work.resolve("backend")));
        AmiServerSimulator asterisk = null;
        try {
            asterisk = AmiServerSimulator.start(ami, new InetSocketAddress("127.0.0.1", 0));
            Settings settings = Settings.read(config(backend, asterisk, tokens, work, env));
            return new SimulatedSite(work, backend, asterisk, settings);
        } catch (Exception | Error e) {
            if (asterisk != null) {
                asterisk.close();
            }
            backend.close();
            throw e;
        }
    }

    Path work() {
        return work;
    }

    TicketBackend backend() {
        return backend;
    }

    AmiServerSimulator asterisk() {
        return asterisk;
    }

    Settings settings() {
        return settings;
    }

    @Override
    public void close() throws IOException {
        asterisk.close();
        backend.close();
    }

    private static ConfigFile config(TicketBackend backend, AmiServerSimulator asterisk, Map<String, String> tokens,
                                     Path work, Map<String, String> env) throws Exception {
        String yaml;
        try (InputStream in = SimulatedSite.class.getResourceAsStream("/demo/demo.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String tokenMap = tokens.entrySet().stream().map(t -> t.getKey() + ": " + t.getValue())
                .collect(Collectors.joining(", "));
        yaml += """
                ami:
                  enabled: true
                  host: 127.0.0.1
                  port: %d
                  username: hotline
                  secret: hotline123
                  queue: %s
                  resync-interval: 5s
                agent:
                  enabled: true
                  bind: 127.0.0.1:0
                  tokens: { %s }
                outbox:
                  dir: %s
                ticket:
                  base-url: %s
                """.formatted(asterisk.port(), asterisk.queueName(), tokenMap, work.resolve("outbox"), backend.baseUrl());
        return ConfigFile.fromYaml("(demo configuration)", yaml, work, env);
    }

    /** Shared speech clips: IVR_SHARED_DIR, else the shared folder beside the checkout. */
    static Path defaultClips() {
        String shared = System.getenv("IVR_SHARED_DIR");
        if (shared != null && !shared.isBlank()) {
            return Path.of(shared, "audio", "zh");
        }
        String home = System.getenv().getOrDefault("IVR_HOME", ".");
        return Path.of(home).toAbsolutePath().normalize().resolveSibling("shared").resolve("audio").resolve("zh");
    }

    /** The clips listed in {@code transcripts.tsv} that exist, with their transcripts, in file order. */
    static Map<Path, String> transcribedClips(Path dir) throws IOException {
        Path tsv = dir.resolve("transcripts.tsv");
        Map<Path, String> clips = new java.util.LinkedHashMap<>();
        if (!Files.isRegularFile(tsv)) {
            return clips;
        }
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            if (f.length >= 2 && Files.isRegularFile(dir.resolve(f[0]))) {
                clips.put(dir.resolve(f[0]), f[1]);
            }
        }
        return clips;
    }
}
