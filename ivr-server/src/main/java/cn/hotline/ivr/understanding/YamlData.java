package cn.hotline.ivr.understanding;

import cn.hotline.ivr.ops.StrictYaml;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the small YAML data files of this room (catalogue, emergency rules) from a path or from a
 * bundled resource, and picks typed fields out of them, collecting problems instead of throwing.
 */
final class YamlData {
    private YamlData() {
    }

    /**
     * The top-level map of a file, or of a resource when {@code path} is null. Syntax errors come back
     * on one line with line and column, and a key written twice is an error (not silently the last one).
     */
    static Map<?, ?> load(Path path, String resource) throws CatalogueException {
        String source = source(path, resource);
        String text;
        try (InputStream in = path == null ? YamlData.class.getResourceAsStream(resource) : Files.newInputStream(path)) {
            if (in == null) {
                throw new CatalogueException(source, List.of("not found"));
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CatalogueException(source, List.of("cannot read: " + e.getMessage()));
        }
        List<StrictYaml.Problem> problems = StrictYaml.check(text);
        if (!problems.isEmpty()) {
            throw new CatalogueException(source, problems.stream().map(StrictYaml.Problem::toString).toList());
        }
        if (!(StrictYaml.load(text) instanceof Map<?, ?> map)) {
            throw new CatalogueException(source, List.of("expected a YAML mapping at the top level"));
        }
        return map;
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
