package cn.hotline.ivr.flow;

import cn.hotline.ivr.ops.ConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The call flow as configured: prompts, routes, the optional menus and lines, opening hours and
 * the live emergency announcement. Reloadable: a call takes one snapshot when it starts and keeps
 * it to the end, so an operator's edit never changes a call half-way.
 *
 * @param queue         the agent queue name handed to the dialplan in {@code IVR_QUEUE}
 * @param promptPrefix  prepended to every prompt name sent to Asterisk (its sounds sub-directory)
 * @param promptsDir    a local mirror of Asterisk's sounds/&lt;lang&gt; directory: prompt {@code x} is
 *                      {@code promptsDir/<promptPrefix>x.wav} (checked by check-config, written by
 *                      gen-prompts); null = not checked
 * @param promptTexts   prompt name → text, rendered by {@code scripts/gen-prompts}
 * @param routes        route names the dialplan understands
 * @param zeroOut       digit 0 reaches an agent from any menu
 * @param lines         lines by name, matched on the dialled number or the first AGI argument
 */
public record FlowSettings(
        String queue,
        String promptPrefix,
        Path promptsDir,
        Map<String, String> promptTexts,
        String greeting,
        String closedPrompt,
        String transferPrompt,
        boolean announcementEnabled,
        String announcementPrompt,
        BusinessHours hours,
        Set<String> routes,
        boolean zeroOut,
        Map<String, Menu> menus,
        Map<String, Line> lines,
        Intake intake) {

    public static final String ROUTE_QUEUE = "queue";
    public static final String ROUTE_EMERGENCY = "emergency";
    public static final String ROUTE_CLOSED = "closed";
    public static final String ROUTE_HANGUP = "hangup";
    /**
     * A route becomes {@code Goto(hotline-routes,${IVR_ROUTE},1)}: a comma, space or {@code ${...}}
     * in it would jump elsewhere in the dialplan, and a leading {@code _} makes it a pattern.
     */
    private static final Pattern DIALPLAN_EXTENSION = Pattern.compile("[A-Za-z0-9-][A-Za-z0-9_-]{0,39}");
    /** Asterisk's special extensions: a route of that name would run Asterisk's own handling. */
    private static final Map<String, String> SPECIAL_EXTENSIONS = Map.of(
            "i", "invalid extension", "t", "timeout", "T", "absolute timeout", "s", "start",
            "h", "hangup handler", "e", "exception", "o", "operator", "a", "voicemail '*' key");
    private static final List<String> AUDIO_EXTENSIONS = List.of("wav", "sln", "ulaw", "alaw", "gsm", "g722", "sln16");

    /**
     * Speech intake while no agent is free (the 12345 virtual hold).
     *
     * @param enabled         offer intake at all (off: every caller goes straight to the queue)
     * @param invitePrompt    asks the caller to describe the problem and where it happened
     * @param emergencyPrompt played before the hand-over to 110/119/120
     * @param whenAgentsUnknown offer intake even while the agents' state is unknown (no AMI): nothing then
     *                        ends intake when an agent frees up, so only for lines without AMI or for tests
     * @param transferLineWhenPreempted play the transfer line to a caller taken out of intake for a free
     *                        agent (true: the caller hears why they were interrupted; false: the agent is
     *                        rung at once, saving the line's length of agent time on every such call)
     */
    public record Intake(boolean enabled, String invitePrompt, String emergencyPrompt, boolean whenAgentsUnknown,
                         boolean transferLineWhenPreempted) {
    }

    /** A telephone line served by this flow; a line with no menu goes straight to the route. */
    public record Line(String name, Set<String> dnids, String greeting, String menu) {
    }

    /** The line for a call: by dialled number, then by the first AGI argument naming a line, else the default. */
    public Line lineFor(CallSession call) {
        for (Line line : lines.values()) {
            if (line.dnids().contains(call.dnid())) {
                return line;
            }
        }
        if (!call.arguments().isEmpty() && lines.containsKey(call.arguments().get(0))) {
            return lines.get(call.arguments().get(0));
        }
        return lines.get("default");
    }

    public String prompt(String name) {
        return promptPrefix + name;
    }

    public static FlowSettings read(ConfigFile cfg) {
        Map<String, String> texts = new LinkedHashMap<>();
        for (String name : cfg.children("prompts")) {
            texts.put(name, cfg.string("prompts." + name, ""));
        }
        Set<String> routes = new LinkedHashSet<>(List.of(ROUTE_QUEUE, ROUTE_EMERGENCY, ROUTE_CLOSED, ROUTE_HANGUP));
        for (String route : cfg.strings("flow.routes", List.of())) {
            String problem = routeNameProblem(route);
            if (problem.isEmpty()) {
                routes.add(route);
            } else {
                cfg.problem("flow.routes", problem);
            }
        }

        Map<String, Menu> menus = new LinkedHashMap<>();
        for (String name : cfg.children("flow.menus")) {
            menus.put(name, readMenu(cfg, "flow.menus." + name, name));
        }
        Map<String, Line> lines = new LinkedHashMap<>();
        String greeting = cfg.string("flow.greeting", "greeting");
        Map<String, String> lineByDnid = new HashMap<>();
        for (String name : cfg.children("flow.lines")) {
            String p = "flow.lines." + name;
            List<String> dnids = cfg.strings(p + ".dnid", List.of());
            for (String dnid : dnids) {
                String other = lineByDnid.putIfAbsent(dnid, name);
                if (other != null && !other.equals(name)) {
                    // A call matches the first line found, so the other line would never answer that number.
                    cfg.problem(p + ".dnid", "dnid '" + dnid + "' is already on line '" + other + "': give each number to one line");
                }
            }
            lines.put(name, new Line(name, Set.copyOf(dnids),
                    cfg.string(p + ".greeting", greeting), cfg.optionalString(p + ".menu").orElse(null)));
        }
        lines.putIfAbsent("default", new Line("default", Set.of(), greeting, null));

        FlowSettings settings = new FlowSettings(
                cfg.string("flow.queue", "12345-agents"),
                cfg.string("flow.prompt-prefix", "hotline/"),
                cfg.path("flow.prompts-dir", null),
                Map.copyOf(texts),
                greeting,
                cfg.string("flow.closed-prompt", "closed"),
                cfg.string("flow.transfer-prompt", "transfer"),
                cfg.bool("flow.announcement.enabled", false),
                cfg.string("flow.announcement.prompt", "announcement"),
                BusinessHours.read(cfg, "flow.hours"),
                Set.copyOf(routes),
                cfg.bool("flow.zero-out", true),
                Map.copyOf(menus),
                Map.copyOf(lines),
                new Intake(cfg.bool("flow.intake.enabled", true),
                        cfg.string("flow.intake.invite-prompt", "intake-invite"),
                        cfg.string("flow.intake.emergency-prompt", "emergency-transfer"),
                        cfg.bool("flow.intake.when-agents-unknown", false),
                        cfg.bool("flow.intake.transfer-line-when-preempted", true)));
        settings.check(cfg);
        return settings;
    }

    private static Menu readMenu(ConfigFile cfg, String p, String name) {
        Map<Character, Menu.Action> options = new LinkedHashMap<>();
        for (String digit : cfg.children(p + ".options")) {
            String o = p + ".options." + digit;
            if (digit.length() != 1 || "0123456789*#".indexOf(digit.charAt(0)) < 0) {
                cfg.problem(o, "a menu option must be one key: 0-9, * or #");
                continue;
            }
            Menu.Action action = null;
            int kinds = 0;
            if (cfg.has(o + ".route")) {
                action = new Menu.Route(cfg.string(o + ".route", ROUTE_QUEUE));
                kinds++;
            }
            if (cfg.has(o + ".menu")) {
                action = new Menu.Submenu(cfg.string(o + ".menu", ""));
                kinds++;
            }
            if (cfg.has(o + ".action")) {
                String a = cfg.string(o + ".action", "");
                action = switch (a) {
                    case "back" -> new Menu.Back();
                    case "repeat" -> new Menu.Repeat();
                    default -> {
                        cfg.problem(o + ".action", "expected back or repeat, got '" + a + "'");
                        yield null;
                    }
                };
                kinds++;
            }
            if (kinds != 1) {
                cfg.problem(o, "needs exactly one of route, menu or action");
                continue;
            }
            if (action != null) {
                options.put(digit.charAt(0), action);
            }
        }
        return new Menu(name,
                cfg.requiredString(p + ".prompt"),
                cfg.duration(p + ".timeout", Duration.ofSeconds(5)),
                cfg.integer(p + ".retries", 2, 0, 9),
                cfg.string(p + ".invalid-prompt", "invalid"),
                cfg.string(p + ".timeout-prompt", "no-input"),
                cfg.string(p + ".fallback-route", ROUTE_QUEUE),
                options);
    }

    /** Cross-references: menus and routes that exist, prompts that have audio. */
    private void check(ConfigFile cfg) {
        for (Menu menu : menus.values()) {
            String p = "flow.menus." + menu.name();
            String fallback = menu.fallbackRoute();
            if (fallback.equals(ROUTE_HANGUP) || fallback.equals(ROUTE_CLOSED)) {
                cfg.problem(p + ".fallback-route", "'" + fallback + "' would end the call of a caller the menu could not"
                        + " understand; the fallback must reach a person: use queue or a queue route of flow.routes");
            } else {
                checkRoute(cfg, p + ".fallback-route", fallback);
            }
            menu.options().forEach((digit, action) -> {
                String o = p + ".options." + digit;
                if (action instanceof Menu.Route r) {
                    if (r.route().equals(ROUTE_CLOSED)) {
                        // Menus run only during opening hours; outside them the server plays the closed prompt itself.
                        cfg.problem(o + ".route", "'closed' is the server's own route outside opening hours (after the"
                                + " closed prompt); a menu runs only while open: use queue or a route of flow.routes");
                    } else {
                        checkRoute(cfg, o + ".route", r.route());
                    }
                }
                if (action instanceof Menu.Submenu s && !menus.containsKey(s.menu())) {
                    cfg.problem(o + ".menu", "no menu named '" + s.menu() + "' under flow.menus");
                }
            });
        }
        for (Line line : lines.values()) {
            if (line.menu() != null && !menus.containsKey(line.menu())) {
                cfg.problem("flow.lines." + line.name() + ".menu", "no menu named '" + line.menu() + "' under flow.menus");
            }
        }
        if (promptsDir == null) {
            return;
        }
        if (!Files.isDirectory(promptsDir)) {
            cfg.problem("flow.prompts-dir", "not a directory: " + promptsDir + " (run scripts/gen-prompts)");
            return;
        }
        Map<String, String> used = new LinkedHashMap<>();
        used.put(greeting, "flow.greeting");
        used.put(closedPrompt, "flow.closed-prompt");
        used.put(transferPrompt, "flow.transfer-prompt");
        used.put(announcementPrompt, "flow.announcement.prompt");
        used.put(intake.invitePrompt(), "flow.intake.invite-prompt");
        used.put(intake.emergencyPrompt(), "flow.intake.emergency-prompt");
        for (Menu menu : menus.values()) {
            String p = "flow.menus." + menu.name();
            used.putIfAbsent(menu.prompt(), p + ".prompt");
            used.putIfAbsent(menu.invalidPrompt(), p + ".invalid-prompt");
            used.putIfAbsent(menu.timeoutPrompt(), p + ".timeout-prompt");
        }
        for (Line line : lines.values()) {
            used.putIfAbsent(line.greeting(), "flow.lines." + line.name() + ".greeting");
        }
        used.forEach((prompt, key) -> {
            if (!hasAudio(prompt)) {
                cfg.problem(key, "prompt '" + prompt + "' has no audio file " + promptsDir.resolve(prompt(prompt))
                        + ".wav (run scripts/gen-prompts, or drop in a recording of that name)");
            }
        });
    }

    private boolean hasAudio(String prompt) {
        for (String ext : AUDIO_EXTENSIONS) {
            if (Files.isRegularFile(promptsDir.resolve(prompt(prompt) + "." + ext))) {
                return true;
            }
        }
        return false;
    }

    private void checkRoute(ConfigFile cfg, String key, String route) {
        String problem = routeNameProblem(route);
        if (!problem.isEmpty()) {
            cfg.problem(key, problem);
        } else if (!routes.contains(route)) {
            cfg.problem(key, unknownRoute(route));
        }
    }

    /** Why {@code route} cannot be an extension of {@code [hotline-routes]}; empty when it can. */
    static String routeNameProblem(String route) {
        if (SPECIAL_EXTENSIONS.containsKey(route)) {
            return "route '" + route + "' is Asterisk's special extension for " + SPECIAL_EXTENSIONS.get(route)
                    + ", not a route: give it another name (also in the dialplan)";
        }
        if (!DIALPLAN_EXTENSION.matcher(route).matches()) {
            return "route '" + route + "' is not a dialplan extension name: use 1 to 40 letters, digits, '_' or '-'"
                    + " (not starting with '_'), since it becomes Goto(hotline-routes,<route>,1)";
        }
        return "";
    }

    private String unknownRoute(String route) {
        return "unknown route '" + route + "' (known: " + new ArrayList<>(routes) + "; add it to flow.routes and the dialplan)";
    }
}
