package cn.hotline.ivr.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every configuration key the server reads has a row in a table of docs/*.md (key, default, meaning),
 * and every key in such a table is read: a key in code but not in the docs, or documented but not
 * read, is a bug an operator pays for. Names chosen by the operator are written {@code <name>} there.
 */
class DocumentedKeysTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Set<String> SECTIONS = Set.of("reload-interval", "agi", "http", "flow", "audiosocket", "speech",
            "understanding", "ami", "agent", "outbox", "ticket", "prompts");
    /** A table row whose first cell is a key: {@code | `agi.bind` | ...}. */
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-z][a-z0-9.<>_ -]*)`\\s*\\|");

    /** The keys the server reads, with no file, with the production sample and in the other capture mode. */
    private static Set<String> readKeys() throws Exception {
        Set<String> keys = new TreeSet<>();
        Path sample = ROOT.resolve("ivr-server/config/hotline.yaml");
        List<ConfigFile> files = List.of(ConfigFile.defaults(),
                ConfigFile.fromYaml(sample.toString(), Files.readString(sample), sample.getParent(), Map.of()),
                ConfigFile.fromYaml("record-file.yaml", "speech: {capture: record-file}\nami: {enabled: true}\n"
                        + "agent: {enabled: true}\n", Path.of("."), Map.of()));
        for (ConfigFile cfg : files) {
            try {
                Settings.read(cfg);
            } catch (ConfigException e) {
                // The sample points at files this machine may lack: the keys were read all the same.
            }
            cfg.readKeys().stream().filter(k -> !k.endsWith(".")).forEach(keys::add);
        }
        return keys;
    }

    private static Map<String, String> documentedKeys() throws Exception {
        Map<String, String> keys = new java.util.TreeMap<>();
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).toList()) {
                for (String line : Files.readAllLines(doc)) {
                    Matcher m = ROW.matcher(line);
                    if (m.find()) {
                        String key = m.group(1);
                        int dot = key.indexOf('.');
                        if (SECTIONS.contains(dot < 0 ? key : key.substring(0, dot))) {
                            keys.put(key, ROOT.relativize(doc).toString());
                        }
                    }
                }
            }
        }
        return keys;
    }

    /** {@code flow.menus.<menu>.timeout} matches {@code flow.menus.enterprise.timeout}. */
    private static boolean matches(String documented, String key) {
        String regex = Pattern.quote(documented).replaceAll("<[^>]+>", "\\\\E[^.]+\\\\Q");
        return key.matches(regex);
    }

    @Test
    void everyKeyReadIsDocumentedAndEveryDocumentedKeyIsRead() throws Exception {
        Set<String> read = readKeys();
        Map<String, String> documented = documentedKeys();
        List<String> undocumented = new ArrayList<>();
        for (String key : read) {
            if (documented.keySet().stream().noneMatch(d -> matches(d, key))) {
                undocumented.add(key);
            }
        }
        List<String> unread = new ArrayList<>();
        documented.forEach((key, doc) -> {
            if (read.stream().noneMatch(k -> matches(key, k))) {
                unread.add(doc + ": " + key);
            }
        });
        assertEquals(List.of(), undocumented, "keys the server reads with no row (key | default | meaning) in docs/*.md");
        assertEquals(List.of(), unread, "documented keys the server does not read");
    }
}
