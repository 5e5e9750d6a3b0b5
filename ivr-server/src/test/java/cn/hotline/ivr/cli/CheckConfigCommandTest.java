package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check-config loads what serve loads, and serve fails on a configuration problem with the same one line. */
class CheckConfigCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, List<String> lines) {
    }

    private static Run run(String... argv) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, err.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList());
    }

    private Path config(String understanding) throws Exception {
        Path file = dir.resolve("hotline.yaml");
        Files.writeString(file, "agi:\n  bind: 127.0.0.1:0\nhttp:\n  bind: 127.0.0.1:0\noutbox:\n  dir: " + dir.resolve("outbox")
                + "\nunderstanding:\n" + understanding);
        return file;
    }

    @Test
    void everyBadDataFileIsNamedByItsKeyAndServeFailsTheSameWay() throws Exception {
        Path catalogue = dir.resolve("cat.yaml");
        Files.writeString(catalogue, """
                version: "t1"
                request-types:
                  - {code: consult, label: 咨询, keywords: [请问]}
                topics:
                  - {code: water, label: 供水, department: 水务, keywords: [停水]}
                  - {code: water, label: 供水2, department: 水务, keywords: [水压]}
                """);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - {code: fire, label: 火, route: \"119\", terms: []}\n");
        Path emptyDivisions = Files.createDirectories(dir.resolve("divisions"));
        Path emptyModel = Files.createDirectories(dir.resolve("model"));
        Path file = config("  catalogue: cat.yaml\n  emergency-rules: rules.yaml\n  divisions: divisions\n  topic-model: model\n");

        Run check = run("check-config", file.toString());
        String all = String.join("\n", check.lines());
        assertEquals(2, check.code(), all);
        assertTrue(all.contains(file + ": understanding.catalogue: " + catalogue + ": topics #2 (water): duplicate code 'water'"), all);
        assertTrue(all.contains(file + ": understanding.emergency-rules: " + rules + ": "), all);
        assertTrue(all.contains(file + ": understanding.divisions: " + emptyDivisions), all);
        assertTrue(all.contains(file + ": understanding.topic-model: " + emptyModel), all);
        assertTrue(check.lines().stream().noneMatch(l -> l.contains("Exception")), all);

        Run serve = run("serve", "--config", file.toString());
        assertEquals(2, serve.code(), String.join("\n", serve.lines()));
        assertEquals(check.lines().subList(0, check.lines().size() - 1), serve.lines(), "serve prints the lines check-config prints");
    }

    @Test
    void aRegionAliasToADistrictThatDoesNotExistAndABadNegationWindowAreReported() throws Exception {
        Path aliases = dir.resolve("aliases.yaml");
        Files.writeString(aliases, "aliases:\n  杭州市:\n    下城区: 不存在区\n    下沙: 钱塘区\nlandmarks:\n  火星市:\n    上城区: [湖滨路]\n");
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "negation-window: -3\nrules:\n  - {code: fire, label: 火, route: \"1 19\", terms: [着火], colour: red}\n");
        Run check = run("check-config", config("  region-aliases: aliases.yaml\n  emergency-rules: rules.yaml\n").toString());
        String all = String.join("\n", check.lines());
        assertEquals(2, check.code(), all);
        assertTrue(all.contains("understanding.region-aliases: " + aliases + ": 杭州市: '不存在区' is not a district of 杭州市"), all);
        assertTrue(all.contains("火星市: no such city in the division tables"), all);
        assertTrue(all.contains("understanding.emergency-rules: " + rules + ": "), all);
        assertTrue(all.contains("negation-window must be 0-20 characters, got -3"), all);
        assertTrue(all.contains("route must be a dialplan target"), all);
        assertTrue(all.contains("rules #1: unknown key 'colour'"), all);
    }

    @Test
    void anUnknownHomeCityAndADuplicateKeyInACatalogueAreReported() throws Exception {
        Path catalogue = dir.resolve("cat.yaml");
        Files.writeString(catalogue, "version: t1\nversion: t2\n");
        Run check = run("check-config", config("  home-city: 火星市\n  catalogue: cat.yaml\n").toString());
        String all = String.join("\n", check.lines());
        assertEquals(2, check.code(), all);
        assertTrue(all.contains("understanding.home-city: ") && all.contains("no city called '火星市'"), all);
        assertTrue(all.contains("understanding.catalogue: " + catalogue + ": version: duplicate key (lines 1 and 2)"), all);
    }

    @Test
    void aPlainFileWhereAFolderOrAModelBelongsIsNamedWithoutAJavaExceptionName() throws Exception {
        Path plain = Files.writeString(dir.resolve("notes.txt"), "x\n");
        Path file = config("  divisions: notes.txt\n");
        assertEquals(List.of(
                file + ": understanding.divisions: " + plain + " is not a directory: expected the folder with the division CSVs (scripts/fetch-divisions)",
                file + ": 1 problem(s)"), run("check-config", file.toString()).lines());
        config("  type-model: notes.txt\n");
        assertEquals(List.of(
                file + ": understanding.type-model: " + plain + ": not a model written by 'ivr train-nlu', or cut short (the file ends early)",
                file + ": 1 problem(s)"), run("check-config", file.toString()).lines());
    }

    @Test
    void anOutboxDirectoryThatCannotBeCreatedIsReportedWithoutCreatingIt() throws Exception {
        Path plainFile = Files.writeString(dir.resolve("not-a-dir"), "x");
        Path file = dir.resolve("hotline.yaml");
        Files.writeString(file, "outbox:\n  dir: " + plainFile.resolve("outbox") + "\n");
        Run check = run("check-config", file.toString());
        assertEquals(2, check.code(), check.lines().toString());
        assertEquals(file + ": outbox.dir: cannot create " + plainFile.resolve("outbox") + ": " + plainFile + " is not a directory",
                check.lines().get(0));

        Files.writeString(file, "outbox:\n  dir: " + dir.resolve("later/outbox") + "\n");
        assertEquals(0, run("check-config", file.toString()).code());
        assertTrue(!Files.exists(dir.resolve("later")), "check-config creates nothing");
        try (var entries = Files.list(dir)) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".ivr-outbox-probe")), "the probe is removed");
        }
    }

    private Settings settings(String yaml) throws ConfigException {
        return Settings.read(ConfigFile.fromYaml("test.yaml", yaml, dir, Map.of()));
    }

    @Test
    void aListenerAddressInUseIsOneLineNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            List<String> keys = List.of("agi.bind", "http.bind", "audiosocket.bind", "agent.bind");
            for (String key : keys) {
                Object[] ports = keys.stream().map(k -> k.equals(key) ? port : 0).toArray();
                Settings settings = settings("""
                        agi:
                          bind: 127.0.0.1:%d
                        http:
                          bind: 127.0.0.1:%d
                        audiosocket:
                          bind: 127.0.0.1:%d
                        agent:
                          enabled: true
                          bind: 127.0.0.1:%d
                          tokens: { agent1: token-1234567890 }
                        speech:
                          engine: none
                        outbox:
                          dir: %s
                        """.formatted(ports[0], ports[1], ports[2], ports[3], Files.createTempDirectory(dir, "ob")));
                try (HotlineServer server = new HotlineServer(settings, null, Map.of())) {
                    ConfigException e = assertThrows(ConfigException.class, server::start, key);
                    assertEquals("test.yaml: " + key + ": 127.0.0.1:" + port
                            + " is already in use by another process (change " + key + " or stop the other server)", e.getMessage());
                }
            }
        }
    }

    @Test
    void aSecondServerOnTheSameOutboxIsOneLineNamingTheKey() throws Exception {
        String yaml = "agi:\n  bind: 127.0.0.1:0\nhttp:\n  bind: 127.0.0.1:0\naudiosocket:\n  bind: 127.0.0.1:0\nspeech:\n  engine: none\noutbox:\n  dir: "
                + dir.resolve("outbox") + "\n";
        try (HotlineServer first = new HotlineServer(settings(yaml), null, Map.of())) {
            first.start();
            try (HotlineServer second = new HotlineServer(settings(yaml), null, Map.of())) {
                ConfigException e = assertThrows(ConfigException.class, second::start);
                assertEquals("test.yaml: outbox.dir: " + dir.resolve("outbox")
                        + " is in use by another running server (stop it, or give this one its own outbox.dir)", e.getMessage());
            }
        }
    }

    @Test
    void anUnusableRecordDirIsReportedByCheckConfigAndServeInRecordFileModeOnly() throws Exception {
        Path plainFile = Files.writeString(dir.resolve("not-a-dir"), "x");
        Path file = dir.resolve("hotline.yaml");
        String yaml = "agi:\n  bind: 127.0.0.1:0\nhttp:\n  bind: 127.0.0.1:0\noutbox:\n  dir: " + dir.resolve("outbox")
                + "\nspeech:\n  engine: none\n  capture: record-file\n  record-dir: " + plainFile.resolve("rec") + "\n";
        Files.writeString(file, yaml);
        String expected = file + ": speech.record-dir: cannot create " + plainFile.resolve("rec") + ": " + plainFile + " is not a directory";
        Run check = run("check-config", file.toString());
        assertEquals(List.of(expected, file + ": 1 problem(s)"), check.lines());
        assertEquals(2, check.code());
        Run serve = run("serve", "--config", file.toString());
        assertEquals(2, serve.code(), serve.lines().toString());
        assertTrue(serve.lines().contains(expected), serve.lines().toString());
        // AudioSocket mode never touches the directory.
        Files.writeString(file, yaml.replace("record-file", "audiosocket"));
        assertEquals(0, run("check-config", file.toString()).code());
    }

    @Test
    void serveDeletesOnlyItsOwnLeftoverRecordingsWithOneLine() throws Exception {
        Path rec = Files.createDirectories(dir.resolve("rec"));
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600));
        Path left1 = Files.writeString(rec.resolve("intake-1796538594.12-1b4e28ba-2fa1-41d2-883f-0016d3cca427.wav"), "voice");
        Path left2 = Files.writeString(rec.resolve("intake-c_1-6fa459ea-ee8a-4ca4-894e-db77e160355e.wav"), "voice");
        Path live = Files.writeString(rec.resolve("intake-c2-9a7b3c2e-1111-4222-8333-944455556666.wav"), "being recorded");
        Path other = Files.writeString(rec.resolve("greeting.wav"), "not ours");
        Path similar = Files.writeString(rec.resolve("intake-notes.wav"), "not ours either");
        for (Path p : List.of(left1, left2, other, similar)) {
            Files.setLastModifiedTime(p, old);
        }
        String yaml = "agi:\n  bind: 127.0.0.1:0\nhttp:\n  bind: 127.0.0.1:0\noutbox:\n  dir: " + dir.resolve("outbox")
                + "\nspeech:\n  engine: none\n  capture: record-file\n  record-dir: " + rec + "\n";
        try (cn.hotline.ivr.testing.LogCapture logs = new cn.hotline.ivr.testing.LogCapture(cn.hotline.ivr.speech.RecordFileIntake.class);
                HotlineServer server = new HotlineServer(settings(yaml), null, Map.of())) {
            server.start();
            assertTrue(Files.exists(other) && Files.exists(similar), "files the server did not name are kept");
            assertTrue(Files.exists(live), "a recording written moments ago may be another server's, still in progress");
            assertTrue(!Files.exists(left1) && !Files.exists(left2), "leftover recordings are deleted");
            assertEquals(List.of("INFO [-] deleted 2 leftover recording(s) in speech.record-dir " + rec), logs.lines(), logs.lines().toString());
        }
    }
}
