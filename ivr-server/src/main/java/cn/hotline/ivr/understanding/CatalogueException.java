package cn.hotline.ivr.understanding;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A catalogue, rule or model file that cannot be used; the message names the file and every problem. */
public final class CatalogueException extends Exception {
    /** One problem of one data file, with the configuration key that points at the file (empty if none). */
    public record Problem(String key, String source, String reason) {
    }

    private final List<Problem> all;

    public CatalogueException(String source, List<String> problems) {
        this(problems.stream().map(p -> new Problem("", source, p)).toList());
    }

    private CatalogueException(List<Problem> all) {
        super(message(all));
        this.all = List.copyOf(all);
    }

    private static String message(List<Problem> all) {
        List<String> parts = new ArrayList<>();
        String lastPrefix = null;
        StringBuilder line = null;
        for (Problem p : all) {
            String prefix = (p.key().isEmpty() ? "" : p.key() + ": ") + p.source();
            if (!prefix.equals(lastPrefix)) {
                line = new StringBuilder(prefix).append(": ").append(p.reason());
                parts.add(null);
                lastPrefix = prefix;
            } else {
                line.append("; ").append(p.reason());
            }
            parts.set(parts.size() - 1, line.toString());
        }
        return String.join("\n", parts);
    }

    /** The failures of several files, each tagged with the configuration key that names the file. */
    static CatalogueException keyed(List<CatalogueException> failures, List<String> keys) {
        List<Problem> all = new ArrayList<>();
        for (int i = 0; i < failures.size(); i++) {
            String key = keys.get(i);
            failures.get(i).all.forEach(p -> all.add(new Problem(key, p.source(), p.reason())));
        }
        return new CatalogueException(all);
    }

    /** The reasons alone, as the loaders wrote them. */
    public List<String> problems() {
        return all.stream().map(Problem::reason).collect(Collectors.toList());
    }

    /** Every problem with its file and, when loaded from settings, the configuration key. */
    public List<Problem> keyedProblems() {
        return all;
    }
}
