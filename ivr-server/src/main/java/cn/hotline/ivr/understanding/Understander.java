package cn.hotline.ivr.understanding;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The understanding room's one entry point: a transcript and what the line knows about the call in,
 * an {@link Understanding} out. Thread-safe and allocation-light (p99 under 2 ms); never throws on
 * any text: empty, noise-only, mixed-script or very long input gives a result with "unknown" parts
 * and a note saying why.
 */
public final class Understander {
    /** Filler words a recognizer returns when the caller said nothing of substance. */
    private static final Set<String> FILLERS = Set.of("嗯", "啊", "呃", "喂", "哦", "额", "唉", "哎", "那个", "就是", "然后",
            "这个", "你好", "您好", "对", "是", "好", "好的", "嗯嗯", "喂喂", "hello", "hi", "ok");
    /** The fillers longest first, so 嗯嗯 goes before 嗯. */
    private static final List<String> FILLERS_LONGEST_FIRST = FILLERS.stream()
            .sorted((a, b) -> b.length() - a.length()).toList();
    private static final List<String> ROLES = List.of("业主", "租户", "房东", "家长", "学生", "员工", "职工", "农民工", "司机",
            "乘客", "患者", "病人", "老人", "居民", "村民", "商户", "消费者", "退休人员", "残疾人", "孕妇", "外卖员", "快递员");

    private final Catalogue catalogue;
    private final TextClassifier topicModel;
    private final TextClassifier typeModel;
    private final RegionResolver regions;
    private final EmergencyDetector emergencies;
    private final double unknownBelow;
    private final String defaultHomeCity;
    private final TermMatcher<Catalogue.Entry> topicTerms = new TermMatcher<>();
    private final TermMatcher<Catalogue.Entry> typeTerms = new TermMatcher<>();

    /**
     * @param topicModel   trained topic classifier, or null to use the catalogue's keyword rules
     * @param typeModel    trained request-type classifier, or null for keyword rules
     * @param unknownBelow topic/type confidence under which the answer is "unknown" (ask an agent)
     * @param defaultHomeCity home city used when the caller context names none
     */
    public Understander(Catalogue catalogue, TextClassifier topicModel, TextClassifier typeModel, RegionResolver regions,
                        EmergencyDetector emergencies, double unknownBelow, String defaultHomeCity) {
        this.catalogue = catalogue;
        this.topicModel = topicModel;
        this.typeModel = typeModel;
        this.regions = regions;
        this.emergencies = emergencies;
        this.unknownBelow = unknownBelow;
        this.defaultHomeCity = defaultHomeCity == null ? "" : defaultHomeCity;
        catalogue.topics().forEach(t -> t.keywords().forEach(k -> topicTerms.add(k, t)));
        catalogue.requestTypes().forEach(t -> t.keywords().forEach(k -> typeTerms.add(k, t)));
        topicTerms.build();
        typeTerms.build();
    }

    /**
     * Builds everything from settings: bundled data unless paths are configured. Every file is tried,
     * so one start-up (or check-config) reports all bad files, each problem tagged with its key.
     */
    public static Understander create(UnderstandingSettings s) throws CatalogueException {
        List<CatalogueException> failures = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        Catalogue catalogue = loadFor("understanding.catalogue", failures, keys, () -> Catalogue.load(s.catalogue().orElse(null)));
        TextClassifier topic = s.topicModel().isEmpty() ? null
                : loadFor("understanding.topic-model", failures, keys, () -> TextClassifier.load(s.topicModel().get()));
        TextClassifier type = s.typeModel().isEmpty() ? null
                : loadFor("understanding.type-model", failures, keys, () -> TextClassifier.load(s.typeModel().get()));
        Divisions divisions = loadFor("understanding.divisions", failures, keys,
                () -> Divisions.load(s.divisions().orElse(null), s.homeCity()));
        RegionResolver.Gazetteer aliases = loadFor("understanding.region-aliases", failures, keys,
                () -> RegionResolver.loadGazetteer(s.regionAliases().orElse(null)));
        EmergencyDetector emergencies = loadFor("understanding.emergency-rules", failures, keys,
                () -> EmergencyDetector.load(s.emergencyRules().orElse(null)));
        if (divisions != null && !s.homeCity().isEmpty() && divisions.city(s.homeCity()).isEmpty()) {
            failures.add(new CatalogueException(divisions.source(), List.of("no city called '" + s.homeCity()
                    + "' here (write the full name, e.g. 杭州市, or leave home-city empty for national)")));
            keys.add("understanding.home-city");
        }
        if (divisions != null && aliases != null) {
            List<String> unknown = RegionResolver.placesNotInTables(divisions, aliases);
            if (!unknown.isEmpty()) {
                failures.add(new CatalogueException(YamlData.source(s.regionAliases().orElse(null),
                        RegionResolver.ALIASES_RESOURCE), unknown));
                keys.add("understanding.region-aliases");
            }
        }
        if (!failures.isEmpty()) {
            throw CatalogueException.keyed(failures, keys);
        }
        RegionResolver regions = new RegionResolver(divisions, aliases);
        regions.prepare(s.homeCity());
        return new Understander(catalogue, topic, type, regions, emergencies, s.unknownBelow(), s.homeCity());
    }

    private interface Loader<T> {
        T load() throws CatalogueException;
    }

    private static <T> T loadFor(String key, List<CatalogueException> failures, List<String> keys, Loader<T> loader) {
        try {
            return loader.load();
        } catch (CatalogueException e) {
            failures.add(e);
            keys.add(key);
            return null;
        }
    }

    public Catalogue catalogue() {
        return catalogue;
    }

    /** The divisions regions are resolved against: a home city given per call must be one of their cities. */
    public Divisions divisions() {
        return regions.divisions();
    }

    /** The emergency rules alone: cheap enough to run on every partial transcript while the caller speaks. */
    public EmergencyDetector emergencies() {
        return emergencies;
    }

    public Understanding understand(String transcript, CallerContext ctx) {
        String raw = transcript == null ? "" : transcript.strip();
        String text = Text.cap(raw);
        boolean truncated = text.length() < raw.length();
        CallerContext context = ctx == null ? CallerContext.of(defaultHomeCity)
                : ctx.homeCity().isEmpty() ? new CallerContext(ctx.callerNumber(), defaultHomeCity) : ctx;
        String note = note(text);
        if (!note.isEmpty()) {
            // Nothing to understand: the region can still come from the number, so nothing is lost.
            Understanding.Region region = regions.resolve("", context);
            return new Understanding(catalogue.version(), unknownType("none"), unknownTopic("none"), region,
                    Understanding.Emergency.none(), "", List.of(), text.length(), truncated, note);
        }
        String folded = Text.fold(text);
        // Topic and type are read with personal numbers blanked: 13812345678 holds the catalogue term 12345.
        String withoutNumbers = Text.fold(PersonalData.blank(text, ' '));
        Understanding.Topic topic = topic(text, withoutNumbers);
        Understanding.Choice type = requestType(text, withoutNumbers);
        Understanding.Region region = regions.resolve(text, context);
        Understanding.Emergency emergency = emergencies.detect(text);
        List<Understanding.Slot> slots = SlotExtractor.extract(text);
        String summary = summary(text, folded, topic, region, slots);
        return new Understanding(catalogue.version(), type, topic, region, emergency, summary, slots, text.length(),
                truncated, truncated ? "transcript longer than " + Text.MAX_CHARS + " characters: the rest was not read" : "");
    }

    private static String note(String text) {
        if (text.isEmpty()) {
            return "empty transcript";
        }
        if (Text.isBlank(text)) {
            return "no words, only punctuation or symbols";
        }
        String rest = Text.fold(text).replaceAll("[^\\p{L}\\p{N}]+", " ").strip();
        boolean onlyFillers = true;
        for (String word : rest.split(" ")) {
            String w = word;
            for (String f : FILLERS_LONGEST_FIRST) {
                w = w.replace(f, "");
            }
            if (!w.isEmpty()) {
                onlyFillers = false;
                break;
            }
        }
        return onlyFillers ? "only filler words (嗯, 喂, ...): nothing to understand" : "";
    }

    private Understanding.Topic unknownTopic(String source) {
        return new Understanding.Topic(Understanding.UNKNOWN, "未知（转人工）", "", catalogue.version(), 0, source, List.of());
    }

    private Understanding.Choice unknownType(String source) {
        return new Understanding.Choice(Understanding.UNKNOWN, "未知", 0, source, List.of());
    }

    private Understanding.Topic topic(String text, String folded) {
        Map<Catalogue.Entry, List<Evidence>> hits = hits(topicTerms, text, folded);
        if (topicModel != null) {
            TextClassifier.Prediction p = topicModel.predict(text);
            if (p.probability() < unknownBelow) {
                return unknownTopic("model");
            }
            List<Catalogue.Entry> covered = catalogue.matching(catalogue.topics(), p.label());
            if (covered.isEmpty()) {
                // The model knows a label the catalogue does not: keep it, with no department.
                return new Understanding.Topic(p.label(), p.label(), "", catalogue.version(), round(p.probability()), "model", List.of());
            }
            // A coarse model class covering several topics: the caller's keywords pick the department.
            Map<Catalogue.Entry, List<Evidence>> within = new LinkedHashMap<>();
            hits.forEach((e, ev) -> {
                if (covered.contains(e)) {
                    within.put(e, ev);
                }
            });
            Scored<Catalogue.Entry> refined = best(within);
            Catalogue.Entry entry = refined == null ? covered.get(0) : refined.entry();
            return new Understanding.Topic(entry.code(), entry.label(), entry.department(), catalogue.version(),
                    round(p.probability()), "model", hits.getOrDefault(entry, List.of()));
        }
        Scored<Catalogue.Entry> best = best(hits);
        if (best == null || best.tied() || best.confidence() < unknownBelow) {
            return unknownTopic("keywords");
        }
        Catalogue.Entry e = best.entry();
        return new Understanding.Topic(e.code(), e.label(), e.department(), catalogue.version(), round(best.confidence()),
                "keywords", hits.get(e));
    }

    private Understanding.Choice requestType(String text, String folded) {
        Map<Catalogue.Entry, List<Evidence>> hits = hits(typeTerms, text, folded);
        if (typeModel != null) {
            TextClassifier.Prediction p = typeModel.predict(text);
            Catalogue.Entry entry = catalogue.find(catalogue.requestTypes(), p.label()).orElse(null);
            if (p.probability() < unknownBelow || entry == null) {
                return unknownType("model");
            }
            return new Understanding.Choice(entry.code(), entry.label(), round(p.probability()), "model",
                    hits.getOrDefault(entry, List.of()));
        }
        Scored<Catalogue.Entry> best = best(hits);
        if (best == null || best.tied() || best.confidence() < unknownBelow) {
            return unknownType("keywords");
        }
        return new Understanding.Choice(best.entry().code(), best.entry().label(), round(best.confidence()), "keywords",
                hits.get(best.entry()));
    }

    /** The winner of a vote; {@code tied} when another candidate had as much evidence (the rules then ask an agent). */
    private record Scored<T>(T entry, double confidence, boolean tied) {
    }

    private static Map<Catalogue.Entry, List<Evidence>> hits(TermMatcher<Catalogue.Entry> terms, String text, String folded) {
        Map<Catalogue.Entry, List<Evidence>> out = new LinkedHashMap<>();
        for (TermMatcher.Hit<Catalogue.Entry> h : terms.find(folded, true)) {
            out.computeIfAbsent(h.owner(), k -> new ArrayList<>()).add(Evidence.of(text, h.start(), h.end()));
        }
        return out;
    }

    /**
     * Keyword vote: longer terms weigh more (电梯故障 says more than 电梯). Confidence is the winner's
     * share of all votes, shrunk when there is little evidence: one short word alone gives 0.5.
     */
    private static Scored<Catalogue.Entry> best(Map<Catalogue.Entry, List<Evidence>> hits) {
        Map<Catalogue.Entry, Double> score = new HashMap<>();
        double total = 0;
        for (Map.Entry<Catalogue.Entry, List<Evidence>> e : hits.entrySet()) {
            double s = 0;
            for (Evidence ev : e.getValue()) {
                s += 1 + 0.5 * (ev.text().length() - 2);
            }
            score.put(e.getKey(), s);
            total += s;
        }
        Catalogue.Entry best = null;
        double bestScore = 0;
        boolean tied = false;
        for (Map.Entry<Catalogue.Entry, List<Evidence>> e : hits.entrySet()) { // the earliest mentioned leads a tie
            double s = score.get(e.getKey());
            if (s > bestScore) {
                best = e.getKey();
                bestScore = s;
                tied = false;
            } else if (s == bestScore) {
                tied = true;
            }
        }
        return best == null ? null
                : new Scored<>(best, Math.sqrt(bestScore / total) * (bestScore / (bestScore + 1)), tied);
    }

    /** Who, what, where — every word taken from the caller's own words. */
    private String summary(String text, String folded, Understanding.Topic topic, Understanding.Region region,
                           List<Understanding.Slot> slots) {
        String who = "来电人";
        for (String role : ROLES) {
            if (folded.contains(role)) {
                who = role;
                break;
            }
        }
        // Personal numbers are left out (they are slots pointing at the caller's words; in the summary they
        // would crowd out the problem, and a masked fragment helps nobody); they become clause breaks.
        // Masking stays as a safety net for digit runs that are not recognised as personal numbers.
        String what = PersonalData.mask(stripFillers(keyClause(PersonalData.blank(text, '，'), topic.evidence())));
        String where = slots.stream().filter(s -> s.kind().equals("address")).map(Understanding.Slot::value).findFirst()
                .orElse(!region.district().isEmpty() ? region.district() + region.street()
                        : region.source().equals("words") ? region.city() : "");
        if (what.isEmpty() && where.isEmpty()) {
            return "";   // nothing but a number was said: no summary rather than an empty sentence
        }
        StringBuilder b = new StringBuilder(who).append("反映：").append(what);
        if (!where.isEmpty() && !what.contains(where)) {
            b.append("（").append(where).append("）");
        }
        return b.toString();
    }

    /**
     * The caller's clause around the topic's first keyword (or, without one, the first clause with
     * words in it), at most 40 characters, never starting or ending inside a number.
     */
    private static String keyClause(String text, List<Evidence> evidence) {
        int anchor = nextWordChar(text, evidence.isEmpty() ? 0 : evidence.get(0).start());
        int start = anchor;
        while (start > 0 && anchor - start < 15 && !isBreak(text.charAt(start - 1))) {
            start--;
        }
        while (start < anchor && start > 0 && isDigit(text.charAt(start - 1)) && isDigit(text.charAt(start))) {
            start++;
        }
        int end = anchor;
        while (end < text.length() && end - start < 40 && !isBreak(text.charAt(end))) {
            end++;
        }
        if (end == start) {
            end = Math.min(text.length(), start + 40);
        }
        while (end > anchor + 1 && end < text.length() && isDigit(text.charAt(end - 1)) && isDigit(text.charAt(end))) {
            end--;
        }
        return text.substring(start, end).replaceAll("^[，\\s]+|[，\\s]+$", "").strip();
    }

    /** The first letter or digit at or after {@code from} (or {@code from} when there is none). */
    private static int nextWordChar(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            if (!isBreak(text.charAt(i)) && Text.isWordChar(text.charAt(i))) {
                return i;
            }
        }
        return from;
    }

    private static boolean isDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= '０' && c <= '９');
    }

    /** Drops greetings and fillers (喂, 你好, 嗯...) at the start of a clause. */
    static String stripFillers(String clause) {
        String s = clause;
        boolean changed = true;
        while (changed && !s.isEmpty()) {
            changed = false;
            for (String f : FILLERS_LONGEST_FIRST) {
                if (s.startsWith(f) && s.length() > f.length()) {
                    s = s.substring(f.length()).strip();
                    changed = true;
                }
            }
        }
        return s;
    }

    private static boolean isBreak(char c) {
        return "。，,.!！?？；;：:\n\r\t".indexOf(c) >= 0;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
