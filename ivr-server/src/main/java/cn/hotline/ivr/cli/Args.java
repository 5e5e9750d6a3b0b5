package cn.hotline.ivr.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed command-line arguments: {@code --name value}, {@code --name=value}, bare {@code --flag}s and
 * positionals. A command asks for what it understands; {@link #done()} rejects anything left over
 * (options and positionals), so a misspelt option or a stray argument is an error rather than
 * silently ignored.
 */
public final class Args {
    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> positionals = new ArrayList<>();
    private final Set<String> used = new HashSet<>();
    /** How many leading positionals the command has asked for (or all, after {@link #positionals()}). */
    private int positionalsUsed;
    /** The option that ended the command line without its value: an error only if the command knows it. */
    private String missingValue;
    private final Set<String> flagNames;

    /** {@code flags} lists the options that take no value. */
    public Args(List<String> argv, Set<String> flags) {
        this.flagNames = flags;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.startsWith("--") && a.length() > 2) {
                String name = a;
                String value;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                } else if (flags.contains(a)) {
                    value = "true";
                } else if (i + 1 < argv.size()) {
                    value = argv.get(++i);
                } else {
                    // Whether this is a known option missing its value or an unknown option is only
                    // clear once the command has asked for its options: decided on use or in done().
                    missingValue = a;
                    continue;
                }
                options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                positionals.add(a);
            }
        }
    }

    public static Args of(String... argv) {
        return new Args(List.of(argv), Set.of());
    }

    public boolean flag(String name) {
        used.add(name);
        if (name.equals(missingValue)) {
            return true;
        }
        if (!flagNames.contains(name) && options.containsKey(name)) {
            return Boolean.parseBoolean(options.get(name).get(0));
        }
        return options.containsKey(name);
    }

    public String string(String name, String defaultValue) {
        used.add(name);
        requireValue(name);
        List<String> values = options.get(name);
        return values == null ? defaultValue : values.get(values.size() - 1);
    }

    public String required(String name) {
        String value = string(name, null);
        if (value == null || value.isEmpty()) {
            throw new UsageException("missing required option " + name);
        }
        return value;
    }

    /** Every value of a repeatable option, in order. */
    public List<String> all(String name) {
        used.add(name);
        requireValue(name);
        return options.getOrDefault(name, List.of());
    }

    public int integer(String name, int defaultValue) {
        long value = longValue(name, defaultValue);
        if (value != (int) value) {
            throw new UsageException(name + " expects a whole number, got '" + string(name, null) + "' (too large)");
        }
        return (int) value;
    }

    public long longValue(String name, long defaultValue) {
        String value = string(name, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " expects a whole number, got '" + value + "'");
        }
    }

    public double decimal(String name, double defaultValue) {
        String value = string(name, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " expects a number, got '" + value + "'");
        }
    }

    public Path path(String name, Path defaultValue) {
        String value = string(name, null);
        return value == null ? defaultValue : Path.of(value);
    }

    public List<String> positionals() {
        positionalsUsed = positionals.size();
        return List.copyOf(positionals);
    }

    public String positional(int index, String what) {
        positionalsUsed = Math.max(positionalsUsed, index + 1);
        if (index >= positionals.size()) {
            throw new UsageException("missing " + what);
        }
        return positionals.get(index);
    }

    private void requireValue(String name) {
        if (name.equals(missingValue)) {
            throw new UsageException("option " + name + " needs a value");
        }
    }

    /** Throws if an option or a positional was given that the command never asked about. */
    public void done() {
        for (String name : options.keySet()) {
            if (!used.contains(name)) {
                throw new UsageException("unknown option " + name);
            }
        }
        if (missingValue != null && !used.contains(missingValue)) {
            throw new UsageException("unknown option " + missingValue);
        }
        if (positionalsUsed < positionals.size()) {
            List<String> extra = positionals.subList(positionalsUsed, positionals.size());
            throw new UsageException("unexpected argument" + (extra.size() == 1 ? " '" + extra.get(0) + "'"
                    : "s '" + String.join("' '", extra) + "'"));
        }
    }
}
