package cn.hotline.ivr.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @TempDir
    Path dir;

    private ConfigException problemsOf(String yaml) throws Exception {
        Path file = dir.resolve("hotline.yaml");
        Files.writeString(file, yaml);
        return assertThrows(ConfigException.class, () -> Settings.load(file, Map.of()));
    }

    private static boolean has(ConfigException e, String key, String reasonFragment) {
        return e.problems().stream().anyMatch(p -> p.key().equals(key) && p.reason().contains(reasonFragment)
                && p.file().endsWith("hotline.yaml"));
    }

    @Test
    void everyProblemIsReportedWithFileKeyAndReason() throws Exception {
        ConfigException e = problemsOf("""
                agi:
                  bind: 127.0.0.1:notaport
                  max-calls: lots
                  alowed-peers: [127.0.0.1]
                flow:
                  zero-out: maybe
                  greeting-timeout: 5
                """);
        assertTrue(has(e, "agi.bind", "port is not a number"), e.getMessage());
        assertTrue(has(e, "agi.max-calls", "expected a whole number, got 'lots'"), e.getMessage());
        assertTrue(has(e, "agi.alowed-peers", "unknown key"), e.getMessage());
        assertTrue(has(e, "flow.zero-out", "expected true or false"), e.getMessage());
        assertTrue(has(e, "flow.greeting-timeout", "unknown key"), e.getMessage());
        assertEquals(5, e.problems().size(), e.getMessage());
    }

    @Test
    void agiMaxPendingIsCheckedLikeEveryLimit() throws Exception {
        ConfigException e = problemsOf("agi:\n  max-pending: 0\n");
        assertTrue(has(e, "agi.max-pending", "must be between 1 and 100000, got 0"), e.getMessage());
    }

    @Test
    void brokenYamlNamesTheFile() throws Exception {
        ConfigException e = problemsOf("agi:\n  bind: [unclosed\n");
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().endsWith("hotline.yaml: not valid YAML at line 3, column 1: expected ',' or ']', but got <stream end>"),
                e.getMessage());
    }

    @Test
    void missingFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(dir.resolve("nope.yaml"), Map.of()));
        assertTrue(e.getMessage().endsWith("nope.yaml: file not found or not a regular file"), e.getMessage());
    }

    @Test
    void menuReferencesAndPromptFilesAreChecked() throws Exception {
        // A mirror of Asterisk's sounds/<lang> directory: prompt x is prompts/hotline/x.wav.
        Files.createDirectories(dir.resolve("prompts/hotline"));
        Files.write(dir.resolve("prompts/hotline/greeting.wav"), new byte[44]);
        ConfigException e = problemsOf("""
                flow:
                  prompts-dir: prompts
                  lines:
                    x: { menu: nowhere }
                  menus:
                    main:
                      prompt: menu-main
                      options:
                        "1": { route: mars }
                        "12": { route: queue }
                        "3": { menu: missing }
                """);
        assertTrue(has(e, "flow.lines.x.menu", "no menu named 'nowhere'"), e.getMessage());
        assertTrue(has(e, "flow.menus.main.options.1.route", "unknown route 'mars'"), e.getMessage());
        assertTrue(has(e, "flow.menus.main.options.12", "one key"), e.getMessage());
        assertTrue(has(e, "flow.menus.main.options.3.menu", "no menu named 'missing'"), e.getMessage());
        assertTrue(has(e, "flow.menus.main.prompt", "prompt 'menu-main' has no audio file"), e.getMessage());
        assertTrue(e.problems().stream().noneMatch(p -> p.reason().contains("'greeting'")), "greeting.wav exists");
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        ConfigFile cfg = ConfigFile.fromYaml("x.yaml", "agi:\n  max-calls: 10\n", dir,
                Map.of("IVR_AGI_MAX_CALLS", "20", "IVR_AGI_ALLOWED_PEERS", "10.0.0.5, 10.0.0.6"));
        assertEquals(20, cfg.integer("agi.max-calls", 1, 1, 100));
        assertEquals(List.of("10.0.0.5", "10.0.0.6"), cfg.strings("agi.allowed-peers", List.of()));
    }

    @Test
    void durationsNeedUnits() throws Exception {
        ConfigFile cfg = ConfigFile.fromYaml("x.yaml", "a: 250ms\nb: 1.5s\nc: 5\n", dir, Map.of());
        assertEquals(Duration.ofMillis(250), cfg.duration("a", Duration.ZERO));
        assertEquals(Duration.ofMillis(1500), cfg.duration("b", Duration.ZERO));
        assertEquals(Duration.ZERO, cfg.duration("c", Duration.ZERO));
        assertTrue(cfg.problems().get(0).reason().contains("expected a duration with a unit"));
    }

    @Test
    void aZeroTimeoutIsRefusedWhereZeroWouldBreakTheServer() throws Exception {
        ConfigException e = problemsOf("""
                ticket:
                  timeout: 0s
                audiosocket:
                  idle-timeout: 0ms
                http:
                  shutdown-grace: 0s
                """);
        assertTrue(has(e, "ticket.timeout", "must be more than 0"), e.getMessage());
        assertTrue(has(e, "audiosocket.idle-timeout", "must be more than 0"), e.getMessage());
        // No grace period on SIGTERM is a choice an operator may make.
        assertEquals(2, e.problems().size(), e.getMessage());
    }

    @Test
    void aZeroTimeoutFromTheEnvironmentIsRefusedToo() throws Exception {
        Path file = dir.resolve("hotline.yaml");
        Files.writeString(file, "ticket:\n  base-url: http://127.0.0.1:8090/\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(file, Map.of("IVR_TICKET_TIMEOUT", "0s")));
        assertTrue(e.getMessage().contains("IVR_TICKET_TIMEOUT (environment, overrides ticket.timeout): must be more than 0"),
                e.getMessage());
    }

    @Test
    void aKeyOrSectionWrittenTwiceIsAnErrorNotSilentlyDropped() throws Exception {
        ConfigException e = problemsOf("""
                flow:
                  zero-out: false
                agi:
                  max-calls: 10
                  max-calls: 20
                flow:
                  queue: other
                """);
        assertTrue(e.getMessage().contains("hotline.yaml: flow: duplicate key (lines 1 and 6)"), e.getMessage());
        assertTrue(e.getMessage().contains("hotline.yaml: agi.max-calls: duplicate key (lines 4 and 5)"), e.getMessage());
        assertEquals(2, e.problems().size(), e.getMessage());
    }

    @Test
    void aTopLevelThatIsNotAMappingIsOneClearLine() throws Exception {
        for (String text : List.of("just some text\n", "- agi\n- flow\n")) {
            ConfigException e = problemsOf(text);
            assertEquals(1, e.problems().size(), e.getMessage());
            assertTrue(e.getMessage().endsWith("hotline.yaml: the top level must be a mapping of sections (agi:, flow:, ...)"),
                    e.getMessage());
        }
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariable() throws Exception {
        Path file = dir.resolve("hotline.yaml");
        Files.writeString(file, "agi:\n  bind: 127.0.0.1:4573\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(file, Map.of("IVR_AGI_BIND", "foo")));
        assertEquals("IVR_AGI_BIND (environment, overrides agi.bind): expected host:port, got 'foo'", e.getMessage());
    }

    @Test
    void anIvrVariableThatOverridesNoKeyIsReported() throws Exception {
        Path file = dir.resolve("hotline.yaml");
        Files.writeString(file, "agi:\n  bind: 127.0.0.1:4573\n");
        Map<String, String> env = Map.of("IVR_AGI_BNID", "127.0.0.1:1", "IVR_HOME", "/opt/ivr", "IVR_LOG_LEVEL", "DEBUG",
                "IVR_VOSK_MODEL", "/models/x", "IVR_FLOW_ZERO_OUT", "false", "PATH", "/bin");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(file, env));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().startsWith("IVR_AGI_BNID (environment): overrides no configuration key"), e.getMessage());
    }

    @Test
    void oneNumberOnTwoLinesIsAnError() throws Exception {
        ConfigException e = problemsOf("""
                flow:
                  lines:
                    enterprise: { dnid: ["123458"] }
                    other: { dnid: ["123459", "123458"] }
                """);
        assertTrue(has(e, "flow.lines.other.dnid", "dnid '123458' is already on line 'enterprise'"), e.getMessage());
    }
}
