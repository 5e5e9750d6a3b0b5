package cn.hotline.ivr.ops;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.configuration2.YAMLConfiguration;
import org.apache.commons.configuration2.convert.DisabledListDelimiterHandler;
import org.apache.commons.configuration2.ex.ConfigurationException;

/**
 * One YAML configuration file plus environment overrides, read through typed accessors.
 *
 * <p>Every accessor remembers the key it was asked for, so once all sections have been read
 * {@link #finish()} can report keys nobody reads (typos) as errors. Bad values never throw on the
 * spot: they are collected with file, key and reason, and {@link #finish()} reports them all at
 * once, so an operator fixes a file in one pass. Environment variables override file values:
 * key {@code agi.bind} is overridden by {@code IVR_AGI_BIND}.
 */
public final class ConfigFile {
    /**
     * IVR_* environment variables the product reads for purposes other than overriding a key, so
     * {@link #finish()} does not report them as misspelt overrides. Keep in step with their readers:
     * scripts/ivr (IVR_HOME, IVR_JAVA_OPTS), logback.xml (IVR_LOG_LEVEL, IVR_ASTERISK_JAVA_LOG_LEVEL), config/logback-file.xml (IVR_LOG_DIR),
     * SpeechSettings and the speech commands (IVR_VOSK_MODEL), scripts/fetch-model (IVR_VOSK_MODEL_URL,
     * IVR_VOSK_MODEL_SHA256), scripts/fetch-divisions (IVR_DIVISIONS_URL, IVR_DIVISIONS_SHA256), the
     * benchmarks and tests (IVR_SHARED_DIR, IVR_CHROMIUM). Channel variables the flow sets on Asterisk
     * (IVR_STATUS, IVR_DRAFT_ID, IVR_EMERGENCY_TARGET, ...) are not environment variables.
     */
    static final Set<String> OTHER_ENVIRONMENT = Set.of(
            "IVR_HOME", "IVR_JAVA_OPTS", "IVR_LOG_LEVEL", "IVR_ASTERISK_JAVA_LOG_LEVEL", "IVR_VOSK_MODEL",
            "IVR_VOSK_MODEL_URL", "IVR_VOSK_MODEL_SHA256", "IVR_DIVISIONS_URL", "IVR_DIVISIONS_SHA256",
            "IVR_SHARED_DIR", "IVR_CHROMIUM", "IVR_LOG_DIR");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");

    private final String fileName;
    private final Path baseDir;
    private final YAMLConfiguration yaml;
    private final Map<String, String> env;
    private final Set<String> readKeys = ConcurrentHashMap.newKeySet();
    private final List<ConfigProblem> problems = Collections.synchronizedList(new ArrayList<>());

    private ConfigFile(String fileName, Path baseDir, YAMLConfiguration yaml, Map<String, String> env) {
        this.fileName = fileName;
        this.baseDir = baseDir;
        this.yaml = yaml;
        this.env = Map.copyOf(env);
    }

    /** Reads {@code path}; a file that is missing or not YAML fails here with file and reason. */
    public static ConfigFile load(Path path, Map<String, String> env) throws ConfigException {
        String name = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(List.of(new ConfigProblem(name, "", "file not found or not a regular file")));
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(name, "", "cannot read: " + e.getMessage())));
        }
        return new ConfigFile(name, path.toAbsolutePath().getParent(), parse(name, text), env);
    }

    /** Parses YAML text; used by tests and by the built-in defaults. */
    public static ConfigFile fromYaml(String name, String yamlText, Path baseDir, Map<String, String> env)
            throws ConfigException {
        return new ConfigFile(name, baseDir, parse(name, yamlText), env);
    }

    /** No file at all: every accessor returns its default. */
    public static ConfigFile defaults() {
        try {
            return fromYaml("(defaults)", "{}", Path.of("."), Map.of());
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    private static YAMLConfiguration parse(String name, String text) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        for (StrictYaml.Problem p : StrictYaml.check(text)) {
            problems.add(new ConfigProblem(name, p.key(), p.reason()));
        }
        if (problems.isEmpty()) {
            Object root = StrictYaml.load(text);
            if (root != null && !(root instanceof Map<?, ?>)) {
                problems.add(new ConfigProblem(name, "", "the top level must be a mapping of sections (agi:, flow:, ...)"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        YAMLConfiguration yaml = new YAMLConfiguration();
        yaml.setListDelimiterHandler(DisabledListDelimiterHandler.INSTANCE);
        try {
            yaml.read(new StringReader(text));
        } catch (ConfigurationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            throw new ConfigException(List.of(new ConfigProblem(name, "", "not valid YAML: " + reason.strip().replace('\n', ' '))));
        }
        return yaml;
    }

    public String fileName() {
        return fileName;
    }

    /** The directory relative paths in this file are resolved against. */
    public Path baseDir() {
        return baseDir;
    }

    /** Records a problem found by a section reader (for cross-key checks). */
    public void problem(String key, String reason) {
        String variable = envName(key);
        if (env.containsKey(variable)) {
            // The value came from the environment: blaming the file would send the operator to the wrong place.
            problems.add(new ConfigProblem(variable + " (environment, overrides " + key + ")", "", reason));
        } else {
            problems.add(new ConfigProblem(fileName, key, reason));
        }
    }

    /** Every key a section reader has asked for so far, present or not: what {@link #finish()} accepts. */
    public Set<String> readKeys() {
        return Set.copyOf(readKeys);
    }

    public List<ConfigProblem> problems() {
        return List.copyOf(problems);
    }

    public boolean has(String key) {
        readKeys.add(key);
        return raw(key) != null;
    }

    private Object raw(String key) {
        String fromEnv = env.get(envName(key));
        if (fromEnv != null) {
            return fromEnv;
        }
        return yaml.getProperty(key);
    }

    /** The environment variable that overrides {@code key}: {@code flow.no-input} → {@code IVR_FLOW_NO_INPUT}. */
    public static String envName(String key) {
        return "IVR_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private String text(String key) {
        readKeys.add(key);
        Object value = raw(key);
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> || value instanceof Map<?, ?>) {
            problem(key, "expected a single value, found a list or map");
            return null;
        }
        return String.valueOf(value).strip();
    }

    public String string(String key, String defaultValue) {
        String value = text(key);
        return value == null ? defaultValue : value;
    }

    public Optional<String> optionalString(String key) {
        String value = text(key);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** A required non-empty string; records a problem and returns "" when missing. */
    public String requiredString(String key) {
        String value = text(key);
        if (value == null || value.isEmpty()) {
            problem(key, "required, but missing or empty");
            return "";
        }
        return value;
    }

    public int integer(String key, int defaultValue, int min, int max) {
        return (int) longValue(key, defaultValue, min, max);
    }

    public long longValue(String key, long defaultValue, long min, long max) {
        String value = text(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < min || parsed > max) {
                problem(key, "must be between " + min + " and " + max + ", got " + parsed);
                return defaultValue;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(key, "expected a whole number, got '" + value + "'");
            return defaultValue;
        }
    }

    public double decimal(String key, double defaultValue, double min, double max) {
        String value = text(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            double parsed = Double.parseDouble(value);
            if (!(parsed >= min && parsed <= max)) {
                problem(key, "must be between " + min + " and " + max + ", got " + value);
                return defaultValue;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(key, "expected a number, got '" + value + "'");
            return defaultValue;
        }
    }

    public boolean bool(String key, boolean defaultValue) {
        String value = text(key);
        if (value == null) {
            return defaultValue;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                problem(key, "expected true or false, got '" + value + "'");
                yield defaultValue;
            }
        };
    }

    /**
     * A duration written with a unit: {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 5m}, {@code 1h}, {@code 7d};
     * more than zero, because every timeout, interval and limit read this way stops working at zero
     * (a zero HTTP timeout is rejected by the client on every attempt, a zero interval spins).
     */
    public Duration duration(String key, Duration defaultValue) {
        Duration d = durationOrZero(key, defaultValue);
        if (d.isZero() && has(key)) {
            problem(key, "must be more than 0");
            return defaultValue;
        }
        return d;
    }

    /** A duration where zero has a meaning of its own (no grace period, keep nothing). */
    public Duration durationOrZero(String key, Duration defaultValue) {
        String value = text(key);
        if (value == null) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            problem(key, "expected a duration with a unit (250ms, 2s, 5m, 1h, 7d), got '" + value + "'");
            return defaultValue;
        }
        double amount = Double.parseDouble(m.group(1));
        long millis = switch (m.group(2)) {
            case "ms" -> Math.round(amount);
            case "s" -> Math.round(amount * 1_000);
            case "m" -> Math.round(amount * 60_000);
            case "h" -> Math.round(amount * 3_600_000);
            default -> Math.round(amount * 86_400_000);
        };
        return Duration.ofMillis(millis);
    }

    public <E extends Enum<E>> E choice(String key, Class<E> type, E defaultValue) {
        String value = text(key);
        if (value == null) {
            return defaultValue;
        }
        for (E candidate : type.getEnumConstants()) {
            if (candidate.name().equalsIgnoreCase(value.replace('-', '_'))) {
                return candidate;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E candidate : type.getEnumConstants()) {
            allowed.add(candidate.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        problem(key, "expected one of " + allowed + ", got '" + value + "'");
        return defaultValue;
    }

    /** A list: a YAML sequence, or a comma-separated string (the only form an environment variable has). */
    public List<String> strings(String key, List<String> defaultValue) {
        readKeys.add(key);
        String fromEnv = env.get(envName(key));
        if (fromEnv != null) {
            return splitCommas(fromEnv);
        }
        Object value = yaml.getProperty(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object item : list) {
                if (item instanceof Map<?, ?> || item instanceof List<?>) {
                    problem(key, "expected a list of plain values");
                    return defaultValue;
                }
                out.add(plain(item));
            }
            return List.copyOf(out);
        }
        return splitCommas(plain(value));
    }

    /**
     * A list item as the operator wrote it. YAML reads an unquoted {@code 2026-10-01} as a timestamp
     * (UTC midnight): it goes back to {@code 2026-10-01}, not Date's {@code Thu Oct 01 00:00:00 UTC 2026}.
     */
    private static String plain(Object item) {
        Instant at = item instanceof Date date ? date.toInstant() : null;
        if (at == null) {
            return String.valueOf(item).strip();
        }
        ZonedDateTime utc = at.atZone(ZoneOffset.UTC);
        return utc.toLocalTime().equals(LocalTime.MIDNIGHT) ? utc.toLocalDate().toString() : at.toString();
    }

    private static List<String> splitCommas(String value) {
        List<String> out = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return List.copyOf(out);
    }

    /** A path; relative paths are resolved against the directory of the configuration file. */
    public Path path(String key, Path defaultValue) {
        String value = text(key);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        Path p = Path.of(value);
        return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
    }

    /** A path that must exist when set; records a problem if it does not. */
    public Optional<Path> existingPath(String key) {
        Path p = path(key, null);
        if (p == null) {
            return Optional.empty();
        }
        if (!Files.exists(p)) {
            problem(key, "path does not exist: " + p);
            return Optional.empty();
        }
        return Optional.of(p);
    }

    /** A listening address written {@code host:port} (host may be an IP literal, {@code [::1]} or a name). */
    public InetSocketAddress socketAddress(String key, InetSocketAddress defaultValue) {
        String value = text(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return parseHostPort(value);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return defaultValue;
        }
    }

    /** Parses {@code host:port}; throws IllegalArgumentException with a readable reason. */
    public static InetSocketAddress parseHostPort(String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + value + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number in '" + value + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + value + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + host + "' in '" + value + "'");
        }
    }

    /**
     * The names directly below {@code prefix}: for {@code flow.menus} the menu names. A '.' inside a
     * name comes back doubled, so {@code prefix + "." + name} reads it; {@link #unescape} gives it as written.
     */
    public Set<String> children(String prefix) {
        Set<String> names = new TreeSet<>();
        Iterator<String> keys = yaml.getKeys(prefix);
        String start = prefix + ".";
        while (keys.hasNext()) {
            String key = keys.next();
            if (key.startsWith(start)) {
                String rest = key.substring(start.length());
                int dot = firstDelimiter(rest);
                names.add(dot < 0 ? rest : rest.substring(0, dot));
            }
        }
        return names;
    }

    /** Every key written in the file with its value as text: what the reloader compares between versions. */
    public Map<String, String> values() {
        Map<String, String> values = new java.util.TreeMap<>();
        yaml.getKeys().forEachRemaining(k -> values.put(k, String.valueOf(yaml.getProperty(k))));
        return values;
    }

    /**
     * The first '.' that separates path parts: Commons Configuration writes a dot inside a YAML key
     * as "..", so {@code agent.one: x} under {@code agent.tokens} is {@code agent.tokens.agent..one}.
     */
    private static int firstDelimiter(String key) {
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) == '.') {
                if (i + 1 < key.length() && key.charAt(i + 1) == '.') {
                    i++;
                    continue;
                }
                return i;
            }
        }
        return -1;
    }

    /** A child name as written in the file: {@link #children} returns it with each '.' doubled. */
    public static String unescape(String child) {
        return child.replace("..", ".");
    }

    /** Reports every problem found so far plus every key no section read; throws if there are any. */
    public void finish() throws ConfigException {
        Set<ConfigProblem> all = new LinkedHashSet<>(problems);
        Iterator<String> keys = yaml.getKeys();
        while (keys.hasNext()) {
            String key = keys.next();
            if (!readKeys.contains(key)) {
                all.add(new ConfigProblem(fileName, key, "unknown key (misspelt, or not used by this version)"));
            }
        }
        Set<String> overridable = new TreeSet<>();
        readKeys.forEach(k -> overridable.add(envName(k)));
        for (String variable : new TreeSet<>(env.keySet())) {
            if (variable.startsWith("IVR_") && !overridable.contains(variable) && !OTHER_ENVIRONMENT.contains(variable)) {
                all.add(new ConfigProblem(variable + " (environment)", "",
                        "overrides no configuration key (misspelt? agi.bind is IVR_AGI_BIND); unset it or fix the name"));
            }
        }
        if (!all.isEmpty()) {
            throw new ConfigException(new ArrayList<>(all));
        }
    }
}
