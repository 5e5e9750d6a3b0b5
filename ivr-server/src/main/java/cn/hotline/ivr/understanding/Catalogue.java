package cn.hotline.ivr.understanding;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The versioned dispatch catalogue (派单目录): topic codes with labels, departments and keywords,
 * and the request types. Loaded from YAML; a file with a duplicate code, a topic without department
 * or without label is refused with every problem listed.
 */
public record Catalogue(String version, List<Entry> requestTypes, List<Entry> topics) {

    /** The bundled default catalogue for a city 12345 line. */
    public static final String DEFAULT_RESOURCE = "/understanding/catalogue.yaml";

    /**
     * One request type or topic. {@code department} is empty for request types.
     * {@code aliases} are label names from other label sets (trained models) that cover this entry; one
     * alias may cover several entries (a coarse class).
     */
    public record Entry(String code, String label, String department, List<String> aliases, List<String> keywords) {
    }

    public Catalogue {
        requestTypes = List.copyOf(requestTypes);
        topics = List.copyOf(topics);
    }

    /** Reads {@code path}, or the bundled default when {@code path} is null. */
    public static Catalogue load(Path path) throws CatalogueException {
        Map<?, ?> root = YamlData.load(path, DEFAULT_RESOURCE);
        String source = YamlData.source(path, DEFAULT_RESOURCE);
        List<String> problems = new ArrayList<>();
        String version = YamlData.string(root, "version");
        if (version.isEmpty()) {
            problems.add("missing 'version' (it is written into every draft work order)");
        }
        for (Object key : root.keySet()) {
            if (!Set.of("version", "request-types", "topics").contains(String.valueOf(key))) {
                problems.add("unknown key '" + key + "'");
            }
        }
        List<Entry> types = entries(root, "request-types", false, problems);
        List<Entry> topics = entries(root, "topics", true, problems);
        if (topics.isEmpty()) {
            problems.add("no topics");
        }
        if (types.isEmpty()) {
            problems.add("no request-types");
        }
        if (!problems.isEmpty()) {
            throw new CatalogueException(source, problems);
        }
        return new Catalogue(version, types, topics);
    }

    private static List<Entry> entries(Map<?, ?> root, String section, boolean needDepartment, List<String> problems) {
        List<Entry> out = new ArrayList<>();
        Set<String> codes = new HashSet<>();
        List<?> items = YamlData.list(root, section, section, problems);
        for (int i = 0; i < items.size(); i++) {
            String where = section + " #" + (i + 1);
            if (!(items.get(i) instanceof Map<?, ?> m)) {
                problems.add(where + ": expected a mapping with code, label" + (needDepartment ? ", department" : ""));
                continue;
            }
            String code = YamlData.string(m, "code");
            where += code.isEmpty() ? "" : " (" + code + ")";
            String label = YamlData.string(m, "label");
            String department = YamlData.string(m, "department");
            if (code.isEmpty()) {
                problems.add(where + ": missing code");
            } else if (!codes.add(code)) {
                problems.add(where + ": duplicate code '" + code + "'");
            }
            if (label.isEmpty()) {
                problems.add(where + ": missing label");
            }
            if (needDepartment && department.isEmpty()) {
                problems.add(where + ": missing department (every topic must say who handles it)");
            }
            if (!needDepartment && !department.isEmpty()) {
                problems.add(where + ": request types have no department");
            }
            for (Object key : m.keySet()) {
                if (!Set.of("code", "label", "department", "aliases", "keywords").contains(String.valueOf(key))) {
                    problems.add(where + ": unknown key '" + key + "'");
                }
            }
            List<String> aliases = YamlData.strings(m, "aliases", where, problems);
            out.add(new Entry(code, label, department, aliases, YamlData.strings(m, "keywords", where, problems)));
        }
        return out;
    }

    /** The entry (topic or request type) whose code, label or alias is {@code name}. */
    public Optional<Entry> find(List<Entry> entries, String name) {
        for (Entry e : entries) {
            if (e.code().equals(name) || e.label().equals(name)) {
                return Optional.of(e);
            }
        }
        for (Entry e : entries) {
            if (e.aliases().contains(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Every entry a label names: by code or label, else every entry listing it as an alias. A coarse
     * label from another taxonomy (城乡建设) may stand for several topics.
     */
    public List<Entry> matching(List<Entry> entries, String name) {
        Optional<Entry> exact = entries.stream().filter(e -> e.code().equals(name) || e.label().equals(name)).findFirst();
        if (exact.isPresent()) {
            return List.of(exact.get());
        }
        return entries.stream().filter(e -> e.aliases().contains(name)).toList();
    }

    /** Topic code → entry, in catalogue order. */
    public Map<String, Entry> topicsByCode() {
        Map<String, Entry> map = new LinkedHashMap<>();
        topics.forEach(t -> map.put(t.code(), t));
        return map;
    }
}
