package cn.hotline.ivr.understanding;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the small YAML data files of this room (catalogue, emergency rules) from a path or from a
 * bundled resource, and picks typed fields out of them, collecting problems instead of throwing.
 */
final class YamlData {
    private YamlData() {
    }

    /** The top-level map of a file, or of a resource when {@code path} is null. */
    static Map<?, ?> load(Path path, String resource) throws CatalogueException {
        String source = path == null ? "resource " + resource : path.toString();
        try (InputStream in = path == null ? YamlData.class.getResourceAsStream(resource) : Files.newInputStream(path)) {
            if (in == null) {
                throw new CatalogueException(source, List.of("not found"));
            }
            Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
            Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            if (!(root instanceof Map<?, ?> map)) {
                throw new CatalogueException(source, List.of("expected a YAML mapping at the top level"));
            }
            return map;
        } catch (IOException e) {
            throw new CatalogueException(source, List.of("cannot read: " + e.getMessage()));
        } catch (YAMLException e) {
            throw new CatalogueException(source, List.of("not valid YAML: " + e.getMessage().strip()));
        }
    }

    static String source(Path path, String resource) {
        return path == null ? "resource " + resource : path.toString();
    }

    static String string(Map<?, ?> map, String key) {
        Object v = map.get(key);
        return v == null ? "" : String.valueOf(v).strip();
    }

    static List<?> list(Map<?, ?> map, String key, String where, List<String> problems) {
        Object v = map.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            problems.add(where + ": '" + key + "' must be a list");
            return List.of();
        }
        return l;
    }

    static List<String> strings(Map<?, ?> map, String key, String where, List<String> problems) {
        List<String> out = new ArrayList<>();
        for (Object o : list(map, key, where, problems)) {
            if (o == null || o instanceof Map<?, ?> || o instanceof List<?>) {
                problems.add(where + ": '" + key + "' must be a list of words");
                continue;
            }
            String s = String.valueOf(o).strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }
}
