package cn.hotline.ivr.understanding;

import cn.hotline.ivr.understanding.Divisions.Division;
import cn.hotline.ivr.understanding.Divisions.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Resolves province / city / district / street from the caller's words against the division tables,
 * scoped to the line's home city: its districts and streets are matched with or without their
 * suffix (西湖 → 西湖区, 转塘 → 转塘街道), through aliases (merged districts, landmarks) and, when
 * the village table is loaded, through its villages and residential communities (沈家桥社区, 沈家桥);
 * other cities and provinces by name. The landline area code is a weak prior for the city only. A
 * district is never guessed: when the words do not name one (or name two with equal weight) it stays empty.
 */
public final class RegionResolver {
    /**
     * What a matched term stands for. {@code explicit}: the district itself was named (not a street);
     * {@code village}: known only from a village or community name (the weakest evidence).
     */
    private record Candidate(Division division, double weight, boolean explicit, boolean village) {
        Candidate(Division division, double weight, boolean explicit) {
            this(division, weight, explicit, false);
        }
    }

    private record Index(Division homeCity, TermMatcher<List<Candidate>> matcher) {
    }

    static final String ALIASES_RESOURCE = "/understanding/region-aliases.yaml";

    /**
     * Names beyond the tables: per city, alias → district name (said outright, like the district's
     * own name); landmarks → the districts they lie in (roads, parks, stations, campuses: they imply a
     * district the way a street name does, and a name listed under two districts says nothing); and short
     * forms that are everyday words (they count only when said in full).
     */
    public record Gazetteer(Map<String, Map<String, String>> aliases, Map<String, Map<String, List<String>>> landmarks,
                            Set<String> ambiguousShortNames) {
        public Gazetteer {
            aliases = Map.copyOf(aliases);
            landmarks = Map.copyOf(landmarks);
            ambiguousShortNames = Set.copyOf(ambiguousShortNames);
        }
    }

    private final Divisions divisions;
    private final Gazetteer gazetteer;
    private final Map<String, Index> indexes = new ConcurrentHashMap<>();

    public RegionResolver(Divisions divisions, Gazetteer gazetteer) {
        this.divisions = divisions;
        this.gazetteer = gazetteer;
    }

    /** Reads the alias file ({@code path}, or the bundled one when null). */
    public static Gazetteer loadGazetteer(Path path) throws CatalogueException {
        Map<?, ?> root = YamlData.load(path, ALIASES_RESOURCE);
        Map<String, Map<String, String>> aliases = new HashMap<>();
        List<String> problems = new ArrayList<>();
        Object section = root.get("aliases");
        if (section != null && !(section instanceof Map<?, ?>)) {
            problems.add("'aliases' must map city → alias → district");
        } else if (section != null) {
            for (Map.Entry<?, ?> city : ((Map<?, ?>) section).entrySet()) {
                if (!(city.getValue() instanceof Map<?, ?> m)) {
                    problems.add("aliases." + city.getKey() + ": expected a mapping alias: district");
                    continue;
                }
                Map<String, String> names = new LinkedHashMap<>();
                m.forEach((k, v) -> names.put(String.valueOf(k).strip(), String.valueOf(v).strip()));
                aliases.put(String.valueOf(city.getKey()).strip(), names);
            }
        }
        Map<String, Map<String, List<String>>> landmarks = landmarks(root.get("landmarks"), problems);
        Set<String> ambiguous = new HashSet<>(YamlData.strings(root, "ambiguous-short-names", "file", problems));
        for (Object key : root.keySet()) {
            if (!Set.of("aliases", "landmarks", "ambiguous-short-names").contains(String.valueOf(key))) {
                problems.add("unknown key '" + key + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new CatalogueException(YamlData.source(path, ALIASES_RESOURCE), problems);
        }
        return new Gazetteer(aliases, landmarks, ambiguous);
    }

    /**
     * Cities and districts the alias file names that the division tables do not have: a typo there
     * would otherwise place callers in a district that exists nowhere, or silently never match.
     */
    static List<String> placesNotInTables(Divisions divisions, Gazetteer gazetteer) {
        List<String> problems = new ArrayList<>();
        Map<String, Set<String>> targets = new java.util.TreeMap<>();
        gazetteer.aliases().forEach((city, names) -> targets.computeIfAbsent(city, c -> new java.util.TreeSet<>()).addAll(names.values()));
        gazetteer.landmarks().forEach((city, names) -> names.values()
                .forEach(ds -> targets.computeIfAbsent(city, c -> new java.util.TreeSet<>()).addAll(ds)));
        targets.forEach((cityName, districts) -> {
            Optional<Divisions.Division> city = divisions.city(cityName);
            if (city.isEmpty()) {
                problems.add(cityName + ": no such city in the division tables");
                return;
            }
            Set<String> known = new HashSet<>();
            divisions.children(city.get().code()).forEach(d -> known.add(d.name()));
            for (String d : districts) {
                if (!known.contains(d)) {
                    problems.add(cityName + ": '" + d + "' is not a district of " + cityName + " in the division tables");
                }
            }
        });
        return problems;
    }

    /** {@code landmarks: city → district → [names]}, turned into city → name → districts. */
    private static Map<String, Map<String, List<String>>> landmarks(Object section, List<String> problems) {
        Map<String, Map<String, List<String>>> out = new HashMap<>();
        if (section == null) {
            return out;
        }
        if (!(section instanceof Map<?, ?> cities)) {
            problems.add("'landmarks' must map city → district → list of names");
            return out;
        }
        for (Map.Entry<?, ?> city : cities.entrySet()) {
            if (!(city.getValue() instanceof Map<?, ?> districts)) {
                problems.add("landmarks." + city.getKey() + ": expected a mapping district: [names]");
                continue;
            }
            Map<String, List<String>> byName = out.computeIfAbsent(String.valueOf(city.getKey()).strip(), k -> new HashMap<>());
            for (Map.Entry<?, ?> district : districts.entrySet()) {
                if (!(district.getValue() instanceof List<?> names)) {
                    problems.add("landmarks." + city.getKey() + "." + district.getKey() + ": expected a list of names");
                    continue;
                }
                for (Object name : names) {
                    String n = String.valueOf(name).strip();
                    if (n.length() < 2) {
                        problems.add("landmarks." + city.getKey() + "." + district.getKey() + ": '" + n + "' is too short to be a place name");
                        continue;
                    }
                    byName.computeIfAbsent(n, k -> new ArrayList<>()).add(String.valueOf(district.getKey()).strip());
                }
            }
        }
        return out;
    }

    public Divisions divisions() {
        return divisions;
    }

    /**
     * Builds the term index of {@code homeCity} now (otherwise the first call for that city does, which
     * with its villages takes a few hundred milliseconds): call once at start-up for the line's home city.
     */
    public void prepare(String homeCity) {
        indexes.computeIfAbsent(homeCity == null ? "" : homeCity.strip(), this::build);
    }

    /** Region named in {@code text} (any case/width), with the caller's area code as a prior. */
    public Understanding.Region resolve(String text, CallerContext ctx) {
        String capped = Text.cap(text);
        String folded = Text.fold(capped);
        Index index = indexes.computeIfAbsent(ctx.homeCity(), this::build);
        List<TermMatcher.Hit<List<Candidate>>> hits = index.matcher().find(folded, true);

        // Votes per district; explicit naming beats streets, and the home city beats elsewhere.
        Map<Division, Double> explicit = new LinkedHashMap<>();
        Map<Division, Double> viaStreet = new LinkedHashMap<>();
        Map<Division, Double> viaVillage = new LinkedHashMap<>();
        Map<Division, List<Evidence>> evidence = new HashMap<>();
        Map<Division, Division> streetOf = new HashMap<>();
        Map<Division, Division> villageStreetOf = new HashMap<>(); // a named street comes first
        Division mentionedCity = null;
        Division mentionedProvince = null;
        boolean elsewhere = false; // another city or province named: village names repeat across the country
        List<Evidence> upperEvidence = new ArrayList<>();
        for (TermMatcher.Hit<List<Candidate>> hit : hits) {
            Evidence ev = Evidence.of(capped, hit.start(), hit.end());
            List<Candidate> cands = hit.owner();
            if (cands.size() > 1) {
                continue; // the same name in two places: says nothing on its own
            }
            Candidate c = cands.get(0);
            Division d = c.division();
            switch (d.level()) {
                case PROVINCE -> {
                    mentionedProvince = mentionedProvince == null ? d : mentionedProvince;
                    elsewhere |= index.homeCity() != null && !d.code().equals(index.homeCity().parent());
                    upperEvidence.add(ev);
                }
                case CITY -> {
                    mentionedCity = mentionedCity == null ? d : mentionedCity;
                    elsewhere |= index.homeCity() != null && !d.equals(index.homeCity());
                    upperEvidence.add(ev);
                }
                case DISTRICT -> {
                    (c.explicit() ? explicit : c.village() ? viaVillage : viaStreet).merge(d, c.weight(), Double::sum);
                    evidence.computeIfAbsent(d, k -> new ArrayList<>()).add(ev);
                }
                case STREET -> {
                    Division district = divisions.parent(d).orElse(null);
                    if (district != null) {
                        viaStreet.merge(district, c.weight(), Double::sum);
                        evidence.computeIfAbsent(district, k -> new ArrayList<>()).add(ev);
                        streetOf.putIfAbsent(district, d);
                    }
                }
                case VILLAGE -> {
                    Division street = divisions.parent(d).orElse(null);
                    Division district = street == null ? null : divisions.parent(street).orElse(null);
                    if (district != null) {
                        viaVillage.merge(district, c.weight(), Double::sum);
                        evidence.computeIfAbsent(district, k -> new ArrayList<>()).add(ev);
                        villageStreetOf.putIfAbsent(district, street);
                    }
                }
            }
        }
        Division district = pick(explicit);
        double confidence = 0.9;
        if (district == null && explicit.isEmpty()) {
            district = pick(viaStreet);
            confidence = 0.75;
        }
        if (district == null && explicit.isEmpty() && viaStreet.isEmpty() && !elsewhere) {
            // Villages and communities only when nothing larger was named (a village never outvotes a street)
            // and no other city or province was.
            district = pick(viaVillage);
            confidence = 0.6;
        }
        if (district != null) {
            List<Evidence> ev = new ArrayList<>(evidence.get(district));
            Division city = divisions.parent(district).orElse(null);
            if (index.homeCity() != null && city != null && !city.code().equals(index.homeCity().code())) {
                // Scoped to the home city: elsewhere in the province we name the city, not a district
                // (a caller mentioning another county is often telling where they come from).
                return region(city, null, null, "words", 0.6, ev);
            }
            return region(divisions.parent(district).orElse(null), district,
                    streetOf.getOrDefault(district, villageStreetOf.get(district)), "words",
                    Math.min(0.95, confidence + 0.05 * (ev.size() - 1)), ev);
        }
        if (mentionedCity != null) {
            return region(mentionedCity, null, null, "words", 0.8, upperEvidence);
        }
        if (mentionedProvince != null) {
            return new Understanding.Region(mentionedProvince.code(), mentionedProvince.name(), "", "", "", "", "", "",
                    "words", 0.8, upperEvidence);
        }
        return fromAreaCode(ctx);
    }

    /** The district with the clearly highest vote, or null when there is none or a tie. */
    private static Division pick(Map<Division, Double> votes) {
        Division best = null;
        double bestScore = 0;
        boolean tie = false;
        for (Map.Entry<Division, Double> e : votes.entrySet()) {
            if (e.getValue() > bestScore + 1e-9) {
                best = e.getKey();
                bestScore = e.getValue();
                tie = false;
            } else if (Math.abs(e.getValue() - bestScore) <= 1e-9) {
                tie = true;
            }
        }
        return tie ? null : best;
    }

    private Understanding.Region fromAreaCode(CallerContext ctx) {
        String code = divisions.areaCodeOf(ctx.callerNumber());
        if (code.isEmpty()) {
            return Understanding.Region.none();
        }
        List<String> cities = divisions.citiesForAreaCode(code);
        String name = cities.size() == 1 ? cities.get(0)
                : cities.stream().filter(c -> c.equals(ctx.homeCity()) || c.equals(ctx.homeCity() + "市")).findFirst().orElse(null);
        Optional<Division> city = divisions.city(name);
        if (city.isEmpty()) {
            return Understanding.Region.none();
        }
        // Only a prior: a landline says where the phone is, not where the problem is.
        return region(city.get(), null, null, "area-code", 0.3, List.of());
    }

    private Understanding.Region region(Division city, Division district, Division street, String source,
                                        double confidence, List<Evidence> evidence) {
        Division province = city == null ? null : divisions.parent(city).orElse(null);
        return new Understanding.Region(
                province == null ? "" : province.code(), province == null ? "" : province.name(),
                city == null ? "" : city.code(), city == null ? "" : divisions.displayName(city),
                district == null ? "" : district.code(), district == null ? "" : district.name(),
                street == null ? "" : street.code(), street == null ? "" : street.name(),
                source, Math.round(confidence * 100) / 100.0, evidence);
    }

    private Index build(String homeCityName) {
        Division home = divisions.city(homeCityName).orElse(null);
        Map<String, List<Candidate>> terms = new HashMap<>();
        for (Division p : divisions.all(Level.PROVINCE)) {
            add(terms, p.name(), p, 1, true);
            add(terms, shortName(p.name()), p, 1, true);
        }
        for (Division c : divisions.all(Level.CITY)) {
            String name = divisions.displayName(c);
            if (!name.equals(c.name()) && divisions.parent(c).map(Division::name).orElse("").equals(name)) {
                continue; // a municipality: its province row stands for it
            }
            add(terms, c.name(), c, 1, true);
            add(terms, shortName(c.name()), c, 1, true);
        }
        String homeProvince = home == null ? "" : home.parent();
        for (Division d : divisions.all(Level.DISTRICT)) {
            boolean inHome = home != null && d.parent().equals(home.code());
            boolean inProvince = home != null && divisions.parent(d).map(Division::parent).orElse("").equals(homeProvince);
            if (inHome) {
                add(terms, d.name(), d, 1.0, true);
                add(terms, shortName(d.name()), d, 0.9, true);
            } else if (home == null || inProvince) {
                add(terms, d.name(), d, 0.8, true);
            }
        }
        if (home != null) {
            Map<String, List<Candidate>> streets = new HashMap<>();
            for (Division district : divisions.children(home.code())) {
                for (Division s : divisions.children(district.code())) {
                    add(streets, s.name(), s, 0.8, false);
                    String shortName = shortName(s.name());
                    if (shortName != null && !gazetteer.ambiguousShortNames().contains(shortName)) {
                        add(streets, shortName, s, 0.6, false);
                    }
                }
            }
            gazetteer.landmarks().getOrDefault(divisions.displayName(home), Map.of()).forEach((name, districtNames) -> {
                for (String districtName : districtNames) {
                    divisions.children(home.code()).stream().filter(d -> d.name().equals(districtName)).findFirst()
                            .ifPresent(d -> add(streets, name, d, 0.8, false));
                }
            });
            streets.forEach((term, list) -> terms.merge(term, list, RegionResolver::concat));
            villages(home).forEach((term, list) -> terms.merge(term, list, RegionResolver::concat));
            Map<String, String> cityAliases = gazetteer.aliases().getOrDefault(divisions.displayName(home), Map.of());
            cityAliases.forEach((alias, districtName) -> divisions.children(home.code()).stream()
                    .filter(d -> d.name().equals(districtName))
                    .findFirst()
                    .ifPresent(d -> terms.put(Text.fold(alias), List.of(new Candidate(d, 0.9, !formerDistrict(alias))))));
        }
        TermMatcher<List<Candidate>> matcher = new TermMatcher<>();
        terms.forEach((term, cands) -> matcher.add(term, distinct(cands, divisions)));
        return new Index(home, matcher.build());
    }

    /**
     * A former district or a zone (江干区, 下城区, 高新区): named like a district but covering an area that
     * is now split between districts (江干区 went to 上城区 except 下沙 and 白杨, now 钱塘区), so it counts
     * like a street name and a street or landmark of the present division can outvote it.
     */
    private static boolean formerDistrict(String alias) {
        return alias.endsWith("区") || alias.endsWith("县");
    }

    private static List<Candidate> concat(List<Candidate> a, List<Candidate> b) {
        List<Candidate> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /**
     * One candidate per division (a full and a short name of the same place are not two places), and
     * only the highest level named: 西湖 is 西湖区 even though a street is also called 西湖街道, and a
     * village called like a street or a landmark is the street or landmark. Villages of one name in two
     * streets of the same district still imply that district (but no street).
     */
    private static List<Candidate> distinct(List<Candidate> cands, Divisions divisions) {
        Level top = cands.stream().map(c -> c.division().level()).min(Enum::compareTo).orElseThrow();
        Map<String, Candidate> byCode = new LinkedHashMap<>();
        for (Candidate c : cands) {
            if (c.division().level() == top) {
                byCode.merge(c.division().code(), c, (x, y) -> x.weight() >= y.weight() ? x : y);
            }
        }
        if (top != Level.VILLAGE || byCode.size() < 2) {
            return List.copyOf(byCode.values());
        }
        Map<Division, List<Candidate>> byDistrict = new LinkedHashMap<>();
        for (Candidate c : byCode.values()) {
            Division district = divisions.parent(c.division()).flatMap(divisions::parent).orElseThrow();
            byDistrict.computeIfAbsent(district, k -> new ArrayList<>()).add(c);
        }
        List<Candidate> out = new ArrayList<>();
        byDistrict.forEach((district, same) -> out.add(same.size() == 1 ? same.get(0)
                : new Candidate(district, same.stream().mapToDouble(Candidate::weight).max().orElseThrow(), false, true)));
        return List.copyOf(out);
    }

    /**
     * Administrative suffixes of village and community names in the table (村委会 1,569 and 社区 1,389 of
     * Hangzhou's 3,320 rows, then 村民委员会, 居委会, 社区居委会, ...), longest first, each with the place word
     * that callers keep: 留下村委会 is 留下村, 三塘北苑社区居委会 is 三塘北苑社区, 杨村桥居委会 is 杨村桥.
     */
    private static final String[][] VILLAGE_SUFFIXES = {
        {"社区居民委员会", "社区"}, {"社区居委会", "社区"}, {"居民委员会", ""}, {"村民委员会", "村"}, {"村委员会", "村"},
        {"村委会", "村"}, {"居委会", ""}, {"社区", "社区"}, {"村", "村"}};

    /** Weight of a village's full name and of its name without suffix (votes among villages only). */
    private static final double VILLAGE_FULL = 0.7;
    private static final double VILLAGE_SHORT = 0.5;

    /**
     * The home city's villages and communities (when the village table is loaded): the table's name and
     * the place name (沈家桥社区居委会, 沈家桥社区) always, at least three characters; the bare name (沈家桥) only
     * when it is three characters or more, not an everyday word or a name known from elsewhere (a word of
     * the general dictionary: 郁金香, 凤凰山, 信息港), not an ambiguous short name, not numbered (大同一 of
     * 大同一村: callers say the whole name, and digits are spoken that way) and not a road's name (杭海路 of
     * 杭海路社区: the road runs through two districts).
     */
    private Map<String, List<Candidate>> villages(Division home) {
        List<Division> all = new ArrayList<>();
        for (Division district : divisions.children(home.code())) {
            for (Division street : divisions.children(district.code())) {
                divisions.children(street.code()).stream().filter(v -> v.level() == Level.VILLAGE).forEach(all::add);
            }
        }
        Map<String, List<Candidate>> terms = new HashMap<>();
        if (all.isEmpty()) {
            return terms;
        }
        Map<Division, String> bare = new HashMap<>();
        for (Division v : all) {
            String name = v.name();
            addVillage(terms, name, v, VILLAGE_FULL);
            for (String[] suffix : VILLAGE_SUFFIXES) {
                if (name.endsWith(suffix[0]) && name.length() > suffix[0].length()) {
                    String base = name.substring(0, name.length() - suffix[0].length());
                    if (!suffix[1].isEmpty()) {
                        addVillage(terms, base + suffix[1], v, VILLAGE_FULL);
                    }
                    bare.put(v, Text.fold(base));
                    break;
                }
            }
        }
        Set<String> candidates = new HashSet<>();
        bare.values().stream().filter(b -> b.length() >= 3 && !gazetteer.ambiguousShortNames().contains(b)
                && !NUMERALS.contains(b.substring(b.length() - 1)) && !ROAD.matcher(b).find()).forEach(candidates::add);
        candidates.removeAll(WordSegmenter.known(candidates));
        bare.forEach((v, b) -> {
            if (candidates.contains(b)) {
                addVillage(terms, b, v, VILLAGE_SHORT);
            }
        });
        return terms;
    }

    private static final String NUMERALS = "0123456789一二三四五六七八九十〇零";
    /** Communities named after a road (杭海路社区): the bare name is the road, and roads cross districts. */
    private static final Pattern ROAD = Pattern.compile("(路|街|大道)$");

    private static void addVillage(Map<String, List<Candidate>> terms, String term, Division village, double weight) {
        if (term.length() >= 3) {
            terms.computeIfAbsent(Text.fold(term), k -> new ArrayList<>()).add(new Candidate(village, weight, false, true));
        }
    }

    private static void add(Map<String, List<Candidate>> terms, String term, Division d, double weight, boolean explicit) {
        if (term == null || term.length() < 2) {
            return;
        }
        terms.computeIfAbsent(Text.fold(term), k -> new ArrayList<>()).add(new Candidate(d, weight, explicit));
    }

    private static final String[] SUFFIXES = {"特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
        "街道办事处", "街道", "地区", "省", "市", "区", "县", "镇", "乡", "盟", "旗"};

    /** The name without its administrative suffix, or null when too little (one character) would remain. */
    static String shortName(String name) {
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix) && name.length() - suffix.length() >= 2) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return null;
    }
}
