package cn.hotline.ivr.understanding;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Detects emergencies (fire, gas leak, violence, injury, self-harm, people trapped) by configurable
 * term lists, tuned for recall. A term preceded closely by a negation ("没有着火") does not fire.
 * The result names the rule (code) and the term that fired.
 */
public final class EmergencyDetector {
    public static final String DEFAULT_RESOURCE = "/understanding/emergency-rules.yaml";

    /** One rule: code, label, the dialplan route it suggests (110/119/120) and its terms. */
    public record Rule(String code, String label, String route, List<String> terms) {
    }

    private final List<Rule> rules;
    private final List<String> negations;
    private final int window;
    private final TermMatcher<Rule> matcher = new TermMatcher<>();

    public EmergencyDetector(List<Rule> rules, List<String> negations, int window) {
        this.rules = List.copyOf(rules);
        this.negations = negations.stream().map(Text::fold).toList();
        this.window = window;
        for (Rule r : rules) {
            r.terms().forEach(t -> matcher.add(t, r));
        }
        matcher.build();
    }

    /** Reads rules from {@code path}, or the bundled rules when null. */
    public static EmergencyDetector load(Path path) throws CatalogueException {
        Map<?, ?> root = YamlData.load(path, DEFAULT_RESOURCE);
        List<String> problems = new ArrayList<>();
        List<Rule> rules = new ArrayList<>();
        Set<String> codes = new HashSet<>();
        List<?> items = YamlData.list(root, "rules", "rules", problems);
        for (int i = 0; i < items.size(); i++) {
            String where = "rules #" + (i + 1);
            if (!(items.get(i) instanceof Map<?, ?> m)) {
                problems.add(where + ": expected a mapping with code, label, route, terms");
                continue;
            }
            for (Object key : m.keySet()) {
                if (!Set.of("code", "label", "route", "terms").contains(String.valueOf(key))) {
                    problems.add(where + ": unknown key '" + key + "' (a rule has code, label, route, terms)");
                }
            }
            String code = YamlData.string(m, "code");
            if (code.isEmpty()) {
                problems.add(where + ": missing code");
            } else if (!codes.add(code)) {
                problems.add(where + ": duplicate code '" + code + "'");
            }
            List<String> terms = YamlData.strings(m, "terms", where, problems);
            if (terms.isEmpty()) {
                problems.add(where + ": no terms");
            }
            String route = YamlData.string(m, "route");
            // The route is handed to the dialplan as a channel variable and dialled from there.
            if (!route.matches("[0-9A-Za-z_*#+-]{1,32}")) {
                problems.add(where + ": route must be a dialplan target such as 110, 119 or 120, got '" + route + "'");
            }
            rules.add(new Rule(code, YamlData.string(m, "label"), route, terms));
        }
        if (rules.isEmpty()) {
            problems.add("no rules");
        }
        for (Object key : root.keySet()) {
            if (!Set.of("rules", "negations", "negation-window").contains(String.valueOf(key))) {
                problems.add("unknown key '" + key + "'");
            }
        }
        List<String> negations = YamlData.strings(root, "negations", "negations", problems);
        int window = 2;
        String w = YamlData.string(root, "negation-window");
        if (!w.isEmpty()) {
            try {
                window = Integer.parseInt(w);
                if (window < 0 || window > 20) {
                    problems.add("negation-window must be 0-20 characters, got " + window);
                }
            } catch (NumberFormatException e) {
                problems.add("negation-window must be a whole number, got '" + w + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new CatalogueException(YamlData.source(path, DEFAULT_RESOURCE), problems);
        }
        return new EmergencyDetector(rules, negations, window);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The first emergency term that is not negated, or {@link Understanding.Emergency#none()}. */
    public Understanding.Emergency detect(String transcript) {
        String capped = Text.cap(transcript);
        String folded = Text.fold(capped);
        List<TermMatcher.Hit<Rule>> hits = matcher.find(folded, true);
        Understanding.Emergency first = null;
        List<Evidence> evidence = new ArrayList<>();
        for (TermMatcher.Hit<Rule> hit : hits) {
            if (negated(folded, hit.start())) {
                continue;
            }
            if (first == null) {
                Rule r = hit.owner();
                first = new Understanding.Emergency(true, r.code(), r.label(), r.route(), r.code() + ":" + hit.term(), 0, List.of());
            }
            if (first.code().equals(hit.owner().code())) {
                evidence.add(Evidence.of(capped, hit.start(), hit.end()));
            }
        }
        if (first == null) {
            return Understanding.Emergency.none();
        }
        // More mentions of the same danger, more certainty; one mention is already enough to act on.
        double confidence = Math.min(0.95, 0.7 + 0.1 * (evidence.size() - 1));
        return new Understanding.Emergency(true, first.code(), first.label(), first.route(), first.rule(), confidence, evidence);
    }

    /** A negation word ending within {@code window} characters before the term. */
    private boolean negated(String folded, int termStart) {
        int from = Math.max(0, termStart - window - 3);
        String before = folded.substring(from, termStart);
        for (String n : negations) {
            int at = before.lastIndexOf(n);
            if (at >= 0 && before.length() - (at + n.length()) <= window) {
                return true;
            }
        }
        return false;
    }
}
