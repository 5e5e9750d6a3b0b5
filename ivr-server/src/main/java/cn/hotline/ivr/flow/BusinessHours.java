package cn.hotline.ivr.flow;

import cn.hotline.ivr.ops.ConfigFile;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When the line is staffed. No {@code weekly} entries means always open (12345 lines run 24/7).
 * Holidays close the line; {@code workdays} are weekend days worked instead of a holiday (调休),
 * which follow the Monday schedule.
 *
 * <pre>
 * hours:
 *   zone: Asia/Shanghai
 *   weekly: ["mon-fri 08:30-17:30", "sat 09:00-12:00"]
 *   holidays: ["2026-10-01..2026-10-07"]
 *   workdays: [2026-10-10]          # quoted or not
 * </pre>
 *
 * A window ends on the day it starts and a day range runs Monday to Sunday: night hours are split at
 * midnight ({@code sat 22:00-24:00} and {@code sun 00:00-02:00}), {@code fri-mon} is two ranges.
 * A date cannot be both a holiday and a workday.
 */
public record BusinessHours(ZoneId zone, List<Window> weekly, Set<LocalDate> holidays, Set<LocalDate> workdays) {
    private static final Pattern WINDOW = Pattern.compile(
            "([a-z]{3})(?:-([a-z]{3}))?\\s+(\\d{2}:\\d{2})-(\\d{2}:\\d{2})");
    private static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    /** Open on {@code days} from {@code open} (inclusive) to {@code close} (exclusive; 24:00 = midnight). */
    public record Window(Set<DayOfWeek> days, LocalTime open, LocalTime close, boolean untilMidnight) {
        boolean contains(DayOfWeek day, LocalTime time) {
            return days.contains(day) && !time.isBefore(open) && (untilMidnight || time.isBefore(close));
        }
    }

    public static BusinessHours always() {
        return new BusinessHours(ZoneId.of("Asia/Shanghai"), List.of(), Set.of(), Set.of());
    }

    public boolean isOpen(ZonedDateTime when) {
        ZonedDateTime local = when.withZoneSameInstant(zone);
        LocalDate date = local.toLocalDate();
        if (holidays.contains(date)) {
            return false;
        }
        if (weekly.isEmpty()) {
            return true;
        }
        DayOfWeek day = workdays.contains(date) ? DayOfWeek.MONDAY : local.getDayOfWeek();
        for (Window w : weekly) {
            if (w.contains(day, local.toLocalTime())) {
                return true;
            }
        }
        return false;
    }

    static BusinessHours read(ConfigFile cfg, String prefix) {
        ZoneId zone = ZoneId.of("Asia/Shanghai");
        String zoneName = cfg.string(prefix + ".zone", "Asia/Shanghai");
        try {
            zone = ZoneId.of(zoneName);
        } catch (RuntimeException e) {
            cfg.problem(prefix + ".zone", "unknown time zone '" + zoneName + "'");
        }
        List<Window> weekly = new ArrayList<>();
        for (String spec : cfg.strings(prefix + ".weekly", List.of())) {
            Window w = parseWindow(spec, reason -> cfg.problem(prefix + ".weekly", reason));
            if (w != null) {
                weekly.add(w);
            }
        }
        Set<LocalDate> holidays = dates(cfg, prefix + ".holidays");
        Set<LocalDate> workdays = dates(cfg, prefix + ".workdays");
        Set<LocalDate> both = new TreeSet<>(holidays);
        both.retainAll(workdays);
        if (!both.isEmpty()) {
            // A holiday wins in isOpen, so the make-up workday would silently stay closed.
            cfg.problem(prefix + ".workdays", both.stream().map(LocalDate::toString).toList()
                    + " also in " + prefix + ".holidays: a day is either a holiday (closed) or a make-up workday"
                    + " (open on the Monday schedule); remove it from one of them");
        }
        return new BusinessHours(zone, List.copyOf(weekly), holidays, workdays);
    }

    /** The window {@code spec} describes, or null after telling {@code problem} what is wrong and how to write it. */
    private static Window parseWindow(String spec, Consumer<String> problem) {
        String text = spec.strip().toLowerCase(Locale.ROOT);
        Matcher m = WINDOW.matcher(text);
        if (!m.matches()) {
            problem.accept("expected 'mon-fri 08:30-17:30', got '" + spec + "'");
            return null;
        }
        int from = DAYS.indexOf(m.group(1));
        int to = m.group(2) == null ? from : DAYS.indexOf(m.group(2));
        if (from < 0 || to < 0) {
            problem.accept("unknown day in '" + spec + "': use mon, tue, wed, thu, fri, sat, sun");
            return null;
        }
        String hours = m.group(3) + "-" + m.group(4);
        if (to < from) {
            problem.accept("day range '" + m.group(1) + "-" + m.group(2) + "' in '" + spec + "' runs past Sunday:"
                    + " list the days as two ranges, '" + days(from, 6) + " " + hours + "' and '" + days(0, to) + " "
                    + hours + "'");
            return null;
        }
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (int d = from; d <= to; d++) {
            days.add(DayOfWeek.of(d + 1));
        }
        LocalTime open;
        LocalTime close;
        boolean midnight = m.group(4).equals("24:00");
        try {
            open = LocalTime.parse(m.group(3));
            close = midnight ? LocalTime.MAX : LocalTime.parse(m.group(4));
        } catch (DateTimeParseException e) {
            problem.accept("no such time in '" + spec + "': times run from 00:00 to 23:59, and 24:00 for midnight at the end");
            return null;
        }
        if (!midnight && !close.isAfter(open)) {
            String range = days(from, to);
            if (close.equals(LocalTime.MIDNIGHT)) {
                problem.accept("window '" + spec + "' closes at midnight: write it as '" + range + " " + m.group(3)
                        + "-24:00'");
            } else if (close.equals(open)) {
                problem.accept("window '" + spec + "' opens and closes at the same time: for all day write '" + range
                        + " 00:00-24:00'");
            } else {
                // The hours after midnight belong to the next day: sat-sun 22:00-02:00 is also sun and mon 00:00-02:00.
                List<String> parts = new ArrayList<>();
                parts.add(range + " " + m.group(3) + "-24:00");
                String early = " 00:00-" + m.group(4);
                if (to < 6) {
                    parts.add(days(from + 1, to + 1) + early);
                } else {
                    if (from < 6) {
                        parts.add(days(from + 1, 6) + early);
                    }
                    parts.add("mon" + early);
                }
                String last = parts.remove(parts.size() - 1);
                problem.accept("window '" + spec + "' runs past midnight: split it at midnight into '"
                        + String.join("', '", parts) + "' and '" + last + "'");
            }
            return null;
        }
        return new Window(days, open, close, midnight);
    }

    /** {@code fri-sun}, or {@code sat} for one day; indexes into {@link #DAYS}. */
    private static String days(int from, int to) {
        return from == to ? DAYS.get(from) : DAYS.get(from) + "-" + DAYS.get(to);
    }

    private static Set<LocalDate> dates(ConfigFile cfg, String key) {
        Set<LocalDate> out = new HashSet<>();
        for (String spec : cfg.strings(key, List.of())) {
            try {
                int range = spec.indexOf("..");
                if (range < 0) {
                    out.add(LocalDate.parse(spec));
                    continue;
                }
                LocalDate from = LocalDate.parse(spec.substring(0, range).strip());
                LocalDate to = LocalDate.parse(spec.substring(range + 2).strip());
                if (to.isBefore(from) || from.plusDays(366).isBefore(to)) {
                    cfg.problem(key, "range '" + spec + "' is reversed or longer than a year");
                    continue;
                }
                for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                    out.add(d);
                }
            } catch (DateTimeParseException e) {
                cfg.problem(key, "expected a date (2026-10-01) or range (2026-10-01..2026-10-07), got '" + spec + "'");
            }
        }
        return Set.copyOf(out);
    }
}
