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
 *   workdays: ["2026-10-10"]
 * </pre>
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
            Window w = parseWindow(spec);
            if (w == null) {
                cfg.problem(prefix + ".weekly", "expected 'mon-fri 08:30-17:30', got '" + spec + "'");
            } else {
                weekly.add(w);
            }
        }
        return new BusinessHours(zone, List.copyOf(weekly),
                dates(cfg, prefix + ".holidays"), dates(cfg, prefix + ".workdays"));
    }

    private static Window parseWindow(String spec) {
        Matcher m = WINDOW.matcher(spec.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        int from = DAYS.indexOf(m.group(1));
        int to = m.group(2) == null ? from : DAYS.indexOf(m.group(2));
        if (from < 0 || to < 0 || to < from) {
            return null;
        }
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (int d = from; d <= to; d++) {
            days.add(DayOfWeek.of(d + 1));
        }
        try {
            LocalTime open = LocalTime.parse(m.group(3));
            boolean midnight = m.group(4).equals("24:00");
            LocalTime close = midnight ? LocalTime.MAX : LocalTime.parse(m.group(4));
            if (!midnight && !close.isAfter(open)) {
                return null;
            }
            return new Window(days, open, close, midnight);
        } catch (DateTimeParseException e) {
            return null;
        }
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
