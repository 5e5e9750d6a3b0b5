package cn.hotline.ivr.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.ConfigFile;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HotlineFlowTest {
    private static final String MENU_LINE = """
            flow:
              routes: [queue-enterprise, queue-english]
              lines:
                enterprise:
                  dnid: ["123458"]
                  menu: main
              menus:
                main:
                  prompt: menu-main
                  timeout: 4s
                  retries: 1
                  options:
                    "1": { route: queue-enterprise }
                    "2": { menu: language }
                    "9": { action: repeat }
                language:
                  prompt: menu-language
                  options:
                    "1": { route: queue-english }
                    "*": { action: back }
            """;

    // Monday 2026-11-23 10:00 in Shanghai.
    private static final Clock MONDAY_10AM = Clock.fixed(Instant.parse("2026-11-23T02:00:00Z"), ZoneId.of("UTC"));

    static FlowSettings settings(String yaml) throws Exception {
        ConfigFile cfg = ConfigFile.fromYaml("flow.yaml", yaml, Path.of("."), Map.of());
        FlowSettings s = FlowSettings.read(cfg);
        assertEquals(List.of(), cfg.problems());
        return s;
    }

    static CallSession call(String dnid) throws Exception {
        return new CallSession("1795448040.1", "13800138000", dnid, "PJSIP/trunk-00000001", "zh",
                "hotline-12345", dnid, "hotline", List.of(), InetAddress.getLoopbackAddress(),
                Instant.parse("2026-11-23T02:00:00.123Z"));
    }

    private static ScriptedChannel run(String yaml, String dnid, String keys, Clock clock) throws Exception {
        FlowSettings s = settings(yaml);
        ScriptedChannel ch = new ScriptedChannel(keys);
        new HotlineFlow(() -> s, clock).handle(call(dnid), ch);
        return ch;
    }

    @Test
    void the12345DefaultHasNoMenuAndGoesStraightToTheQueue() throws Exception {
        ScriptedChannel ch = run("{}", "12345", "", MONDAY_10AM);
        assertEquals(List.of("(answer)", "hotline/greeting"), ch.heard);
        assertEquals("queue", ch.variables.get("IVR_ROUTE"));
        assertEquals("direct", ch.variables.get("IVR_REASON"));
        assertEquals("12345-agents", ch.variables.get("IVR_QUEUE"));
        assertEquals("OK", ch.variables.get("IVR_STATUS"));
    }

    @Test
    void aKeyPressedDuringTheGreetingSelectsTheOption() throws Exception {
        ScriptedChannel ch = run(MENU_LINE, "123458", "1", MONDAY_10AM);
        assertEquals(List.of("(answer)", "hotline/greeting"), ch.heard);
        assertEquals("queue-enterprise", ch.variables.get("IVR_ROUTE"));
        assertEquals("menu", ch.variables.get("IVR_REASON"));
        assertEquals("enterprise", ch.variables.get("IVR_LINE"));
    }

    @Test
    void subMenuAndBack() throws Exception {
        ScriptedChannel ch = run(MENU_LINE, "123458", "w2*1", MONDAY_10AM);
        assertEquals(List.of("(answer)", "hotline/greeting", "hotline/menu-main", "hotline/menu-language",
                "hotline/menu-main"), ch.heard);
        assertEquals("queue-enterprise", ch.variables.get("IVR_ROUTE"));
        assertEquals("21", ch.variables.get("IVR_KEYS").replace("*", ""));
    }

    @Test
    void timeoutsThenFallbackToTheQueueNeverAHangUp() throws Exception {
        ScriptedChannel ch = run(MENU_LINE, "123458", "www", MONDAY_10AM);
        assertEquals(List.of("(answer)", "hotline/greeting", "hotline/menu-main", "hotline/no-input",
                "hotline/menu-main"), ch.heard);
        assertEquals("queue", ch.variables.get("IVR_ROUTE"));
        assertEquals("no-input", ch.variables.get("IVR_REASON"));
    }

    @Test
    void invalidKeyPlaysTheInvalidPromptAndRetries() throws Exception {
        ScriptedChannel ch = run(MENU_LINE, "123458", "w71", MONDAY_10AM);
        assertTrue(ch.heard.contains("hotline/invalid"), ch.heard.toString());
        assertEquals("queue-enterprise", ch.variables.get("IVR_ROUTE"));
    }

    @Test
    void zeroReachesAnAgentFromAnyMenu() throws Exception {
        ScriptedChannel ch = run(MENU_LINE, "123458", "w20", MONDAY_10AM);
        assertEquals("queue", ch.variables.get("IVR_ROUTE"));
        assertEquals("zero-out", ch.variables.get("IVR_REASON"));
    }

    @Test
    void closedOutsideHoursAndOnHolidaysOpenOnMakeUpWorkdays() throws Exception {
        String hours = """
                flow:
                  hours:
                    weekly: ["mon-fri 08:30-17:30"]
                    holidays: ["2026-10-01..2026-10-07"]
                    workdays: ["2026-10-10"]
                """;
        ZoneId utc = ZoneId.of("UTC");
        assertEquals("queue", run(hours, "12345", "", MONDAY_10AM).variables.get("IVR_ROUTE"));
        ScriptedChannel night = run(hours, "12345", "", Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), utc));
        assertEquals("closed", night.variables.get("IVR_ROUTE"));
        assertEquals(List.of("(answer)", "hotline/closed"), night.heard);
        ScriptedChannel holiday = run(hours, "12345", "", Clock.fixed(Instant.parse("2026-10-02T02:00:00Z"), utc));
        assertEquals("closed", holiday.variables.get("IVR_ROUTE"));
        // 2026-10-10 is a Saturday worked instead of a holiday (调休).
        ScriptedChannel makeUp = run(hours, "12345", "", Clock.fixed(Instant.parse("2026-10-10T02:00:00Z"), utc));
        assertEquals("queue", makeUp.variables.get("IVR_ROUTE"));
    }

    @Test
    void emergencyAnnouncementPlaysFirstWhenSwitchedOn() throws Exception {
        ScriptedChannel ch = run("flow:\n  announcement:\n    enabled: true\n    prompt: water-outage\n", "12345", "",
                MONDAY_10AM);
        assertEquals(List.of("(answer)", "hotline/water-outage", "hotline/greeting"), ch.heard);
    }

    @Test
    void eachCallKeepsTheSettingsItStartedWith() throws Exception {
        AtomicReference<FlowSettings> live = new AtomicReference<>(settings(MENU_LINE));
        FlowSettings reloaded = settings(MENU_LINE.replace("menu-main", "menu-main-v2"));
        ScriptedChannel ch = new ScriptedChannel("w") {
            @Override
            public String collectDigits(String prompt, java.time.Duration timeout, int maxDigits)
                    throws CallEndedException {
                live.set(reloaded); // an operator's edit lands while this caller is in the menu
                return super.collectDigits(prompt, timeout, maxDigits);
            }
        };
        new HotlineFlow(live::get, MONDAY_10AM).handle(call("123458"), ch);
        assertTrue(ch.heard.stream().noneMatch(p -> p.contains("v2")), ch.heard.toString());
        ScriptedChannel next = new ScriptedChannel("w");
        new HotlineFlow(live::get, MONDAY_10AM).handle(call("123458"), next);
        assertTrue(next.heard.contains("hotline/menu-main-v2"), next.heard.toString());
    }

    @Test
    void aHangUpPropagatesAndNothingIsSetAfterIt() throws Exception {
        FlowSettings s = settings(MENU_LINE);
        ScriptedChannel ch = new ScriptedChannel("").hangUpAfter(2);
        assertThrows(CallEndedException.class, () -> new HotlineFlow(() -> s, MONDAY_10AM).handle(call("123458"), ch));
        assertTrue(ch.variables.isEmpty());
    }
}
