package cn.hotline.ivr.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.ConfigProblem;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BusinessHoursTest {
    private static ConfigFile config(String hours) throws Exception {
        return ConfigFile.fromYaml("flow.yaml", "flow:\n  hours:\n" + hours.indent(4), Path.of("."), Map.of());
    }

    private static List<String> problems(String hours) throws Exception {
        ConfigFile cfg = config(hours);
        BusinessHours.read(cfg, "flow.hours");
        return cfg.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void unquotedYamlDatesAreDates() throws Exception {
        ConfigFile cfg = config("""
                zone: Asia/Shanghai
                weekly: ["mon-fri 08:30-17:30"]
                holidays:
                  - 2026-10-01
                  - 2026-10-02..2026-10-07
                workdays: [2026-10-10]
                """);
        BusinessHours h = BusinessHours.read(cfg, "flow.hours");
        assertEquals(List.of(), cfg.problems());
        assertTrue(h.holidays().contains(LocalDate.parse("2026-10-01")), h.holidays().toString());
        assertEquals(7, h.holidays().size());
        assertEquals(Set.of(LocalDate.parse("2026-10-10")), h.workdays());
        assertFalse(h.isOpen(ZonedDateTime.parse("2026-10-01T10:00:00+08:00[Asia/Shanghai]")));
        assertTrue(h.isOpen(ZonedDateTime.parse("2026-10-10T10:00:00+08:00[Asia/Shanghai]")), "Saturday make-up workday");
    }

    @Test
    void aDateThatIsBothAHolidayAndAWorkdayIsRejected() throws Exception {
        assertEquals(List.of("flow.yaml: flow.hours.workdays: [2026-10-03, 2026-10-10] also in flow.hours.holidays: a day"
                + " is either a holiday (closed) or a make-up workday (open on the Monday schedule); remove it from one"
                + " of them"), problems("""
                holidays: ["2026-10-01..2026-10-10"]
                workdays: [2026-10-10, "2026-10-03", 2026-10-11]
                """));
    }

    @Test
    void anOvernightWindowSaysHowToSplitItAtMidnight() throws Exception {
        assertEquals(List.of("flow.yaml: flow.hours.weekly: window 'sat-sun 22:00-02:00' runs past midnight: split it"
                + " at midnight into 'sat-sun 22:00-24:00', 'sun 00:00-02:00' and 'mon 00:00-02:00'"),
                problems("weekly: [\"sat-sun 22:00-02:00\"]\n"));
        assertEquals(List.of("flow.yaml: flow.hours.weekly: window 'mon-fri 20:00-06:00' runs past midnight: split it"
                + " at midnight into 'mon-fri 20:00-24:00' and 'tue-sat 00:00-06:00'"),
                problems("weekly: [\"mon-fri 20:00-06:00\"]\n"));
        assertEquals(List.of("flow.yaml: flow.hours.weekly: window 'fri 20:00-00:00' closes at midnight: write it as"
                + " 'fri 20:00-24:00'"), problems("weekly: [\"fri 20:00-00:00\"]\n"));
    }

    @Test
    void aDayRangePastSundaySaysToListTwoRanges() throws Exception {
        assertEquals(List.of("flow.yaml: flow.hours.weekly: day range 'fri-mon' in 'fri-mon 08:00-12:00' runs past"
                + " Sunday: list the days as two ranges, 'fri-sun 08:00-12:00' and 'mon 08:00-12:00'"),
                problems("weekly: [\"fri-mon 08:00-12:00\"]\n"));
        assertEquals(List.of("flow.yaml: flow.hours.weekly: unknown day in 'fri-xyz 08:00-12:00': use mon, tue, wed,"
                + " thu, fri, sat, sun"), problems("weekly: [\"fri-xyz 08:00-12:00\"]\n"));
        assertEquals(List.of(), problems("weekly: [\"fri-sun 08:00-12:00\", \"mon 08:00-12:00\", \"sat 22:00-24:00\"]\n"));
    }
}
