package cn.hotline.ivr.telephony;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.flow.FlowSettings;
import cn.hotline.ivr.flow.IntakeLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped dialplan keeps the contract the server relies on (dialplans/extensions.conf). */
class DialplanTest {
    private static final Path EXTENSIONS = Path.of("..", "dialplans", "extensions.conf");

    private static String extensions() throws Exception {
        assertTrue(Files.isRegularFile(EXTENSIONS), "missing " + EXTENSIONS.toAbsolutePath());
        return Files.readString(EXTENSIONS);
    }

    /** The priorities of one extension in a context, in order ({@code exten => NAME,1,...} then {@code same => n,...}). */
    private static List<String> priorities(String conf, String context, String exten) {
        String body = conf.substring(conf.indexOf("\n[" + context + "]") + 1);
        int next = body.indexOf("\n[", 1);
        body = next < 0 ? body : body.substring(0, next);
        List<String> steps = new ArrayList<>();
        boolean in = false;
        for (String line : body.split("\n")) {
            String l = line.strip();
            if (l.startsWith("exten =>")) {
                in = l.startsWith("exten => " + exten + ",");
                if (in) {
                    steps.add(l.substring(l.indexOf(',', l.indexOf(',') + 1) + 1));
                }
            } else if (in && l.startsWith("same =>")) {
                steps.add(l.substring(l.indexOf(',') + 1));
            }
        }
        return steps;
    }

    @Test
    void theFallbackQueuePriorityIsExactlyTheServersForTheSameSecond() throws Exception {
        List<String> prio = priorities(extensions(), "hotline-queue-prio", "s");
        String formula = prio.stream().filter(p -> p.contains("% ")).findFirst().orElseThrow(() ->
                new AssertionError("no fallback formula in [hotline-queue-prio]: " + prio));
        Matcher m = Pattern.compile("Set\\(QUEUE_PRIO=\\$\\[(\\d+) - \\(\\((\\$\\{.*\\}) - (\\d+)\\) \\* (\\d+)\\) % (\\d+)]\\)")
                .matcher(formula);
        assertTrue(m.find(), formula);
        assertTrue(m.group(2).contains("${EPOCH}") && m.group(2).contains("${HOTLINE_ARRIVED}"), m.group(2));
        long top = Long.parseLong(m.group(1));
        long epoch = Long.parseLong(m.group(3));
        long perSecond = Long.parseLong(m.group(4));
        long span = Long.parseLong(m.group(5));
        for (String at : List.of("2025-01-01T00:00:00Z", "2026-12-06T07:55:01Z", "2031-10-22T12:19:24Z",
                "2031-10-22T12:19:25Z", "2035-03-01T23:59:59Z")) {
            long second = Instant.parse(at).getEpochSecond();
            // Asterisk evaluates this in floating point; its % is fmod, equal to floorMod for these positive values.
            long dialplan = top - ((second - epoch) * perSecond) % span;
            assertEquals(IntakeLine.queuePriority(Instant.ofEpochSecond(second)), dialplan, at);
        }
        assertTrue(prio.get(0).equals("Set(QUEUE_PRIO=${IVR_QUEUE_PRIO})"), "the server's value wins: " + prio);
        assertTrue(priorities(extensions(), "hotline-12345", "_X.").contains("Set(HOTLINE_ARRIVED=${EPOCH})    ; "
                + "arrival, for the queue priority when the server sets none"));
    }

    @Test
    void everyQueueRouteTakesThePriorityAndDraftIdAndEndsAfterItsQueue() throws Exception {
        String conf = extensions();
        for (String route : List.of("queue", "queue-enterprise")) {
            List<String> steps = priorities(conf, "hotline-routes", route);
            assertEquals("Gosub(hotline-queue-prio,s,1)", steps.get(0), route);
            assertTrue(steps.get(1).startsWith("Set(__IVR_DRAFT_ID=${IVR_DRAFT_ID})"), route + ": " + steps);
            assertTrue(steps.get(2).startsWith("Queue("), route + ": " + steps);
            assertFalse(steps.stream().anyMatch(s -> s.startsWith("Goto(queue")),
                    route + " must not fall into another 900 s queue: " + steps);
            assertEquals("Hangup()", steps.get(steps.size() - 1), route);
        }
    }

    // ---- What a real Asterisk does with the shipped files (rules cited from its sources) ----

    private static final Path PJSIP = Path.of("..", "dialplans", "pjsip.conf");
    private static final Path QUEUES = Path.of("..", "dialplans", "queues.conf");
    private static final Path MANAGER = Path.of("..", "dialplans", "manager.conf");
    private static final Path SHIPPED_CONFIG = Path.of("config", "hotline.yaml");
    private static final Instant ARRIVAL = Instant.parse("2026-12-06T07:55:01Z");

    /** One {@code [section]} of an Asterisk .conf file: its name and its {@code key = value} lines, comments cut. */
    record Section(String name, List<String[]> entries) {
        String value(String key) {
            return entries.stream().filter(e -> e[0].equals(key)).map(e -> e[1]).findFirst().orElse(null);
        }
    }

    /** Asterisk's config syntax: ';' starts a comment unless escaped as '\;'. */
    private static String uncomment(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == ';' && (i == 0 || line.charAt(i - 1) != '\\')) {
                return line.substring(0, i).strip();
            }
        }
        return line.strip();
    }

    private static List<Section> sections(Path file) throws Exception {
        assertTrue(Files.isRegularFile(file), "missing " + file.toAbsolutePath());
        List<Section> sections = new ArrayList<>();
        for (String raw : Files.readAllLines(file)) {
            String line = uncomment(raw);
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[")) {
                sections.add(new Section(line.substring(1, line.indexOf(']')), new ArrayList<>()));
            } else {
                int eq = line.indexOf('=');
                String key = line.substring(0, eq).strip();
                String value = line.substring(eq + 1).strip();
                if (value.startsWith(">")) { // "exten => ...", "member => ..."
                    value = value.substring(1).strip();
                }
                assertFalse(sections.isEmpty(), file + ": a line before any [section]: " + raw);
                sections.get(sections.size() - 1).entries().add(new String[] {key, value});
            }
        }
        return sections;
    }

    /** A dialplan step: context, extension, priority number (1-based) and its label, application and raw argument text. */
    record Step(String context, String exten, int priority, String label, String app, String args) {
    }

    /** The dialplan as pbx_config loads it from this file when it is #included into a stock extensions.conf. */
    static final class Dialplan {
        final Map<String, Map<String, List<Step>>> contexts = new java.util.LinkedHashMap<>();

        Dialplan(List<Section> sections) {
            for (Section s : sections) {
                // pbx_config.c: only the FIRST [globals] is read and "general"/"globals" never become contexts;
                // the stock extensions.conf has both, so the ones of an included file are skipped.
                if (s.name().equalsIgnoreCase("globals") || s.name().equalsIgnoreCase("general")) {
                    continue;
                }
                Map<String, List<Step>> extens = contexts.computeIfAbsent(s.name(), k -> new java.util.LinkedHashMap<>());
                String exten = null;
                for (String[] e : s.entries()) {
                    String rest;
                    if (e[0].equals("exten")) {
                        exten = e[1].substring(0, e[1].indexOf(','));
                        rest = e[1].substring(e[1].indexOf(',') + 1);
                    } else if (e[0].equals("same")) {
                        rest = e[1];
                    } else {
                        continue;
                    }
                    List<Step> steps = extens.computeIfAbsent(exten, k -> new ArrayList<>());
                    String prio = rest.substring(0, rest.indexOf(','));
                    String app = rest.substring(rest.indexOf(',') + 1);
                    String label = prio.contains("(") ? prio.substring(prio.indexOf('(') + 1, prio.indexOf(')')) : null;
                    String number = prio.contains("(") ? prio.substring(0, prio.indexOf('(')) : prio;
                    int expected = steps.size() + 1;
                    assertTrue(number.equals("n") || number.equals(String.valueOf(expected)),
                            s.name() + "," + exten + ": priority " + prio + " where Asterisk expects " + expected);
                    int paren = app.indexOf('(');
                    assertTrue(paren > 0 && app.endsWith(")"), s.name() + "," + exten + ": not App(args): " + app);
                    steps.add(new Step(s.name(), exten, expected, label, app.substring(0, paren),
                            app.substring(paren + 1, app.length() - 1)));
                }
            }
        }

        List<Step> steps(String context, String exten) {
            return contexts.getOrDefault(context, Map.of()).get(exten);
        }

        /** The extension a dialled string reaches: the exact name, else the first pattern that matches it. */
        String match(String context, String dialled) {
            Map<String, List<Step>> extens = contexts.getOrDefault(context, Map.of());
            if (extens.containsKey(dialled)) {
                return dialled;
            }
            return extens.keySet().stream().filter(e -> e.startsWith("_") && dialled.matches(regex(e.substring(1))))
                    .findFirst().orElse(null);
        }

        /** pbx.c pattern letters: X [0-9], Z [1-9], N [2-9], [..] a set, '.' one or more, '!' zero or more. */
        private static String regex(String pattern) {
            StringBuilder r = new StringBuilder();
            for (int i = 0; i < pattern.length(); i++) {
                char c = pattern.charAt(i);
                switch (Character.toUpperCase(c)) {
                    case 'X' -> r.append("[0-9]");
                    case 'Z' -> r.append("[1-9]");
                    case 'N' -> r.append("[2-9]");
                    case '.' -> r.append(".+");
                    case '!' -> r.append(".*");
                    case '[' -> {
                        int end = pattern.indexOf(']', i);
                        r.append(pattern, i, end + 1);
                        i = end;
                    }
                    default -> r.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return r.toString();
        }

        /** The priority a label or number names in context,exten, or -1. */
        int priority(String context, String exten, String priority) {
            List<Step> steps = steps(context, exten);
            if (steps == null) {
                return -1;
            }
            if (priority.matches("\\d+")) {
                int p = Integer.parseInt(priority);
                return p >= 1 && p <= steps.size() ? p : -1;
            }
            return steps.stream().filter(s -> priority.equals(s.label())).mapToInt(Step::priority).findFirst().orElse(-1);
        }
    }

    /** Splits on {@code sep} outside (), [] and {}. */
    private static List<String> splitTop(String s, char sep) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == sep && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** [[context,]exten,]priority relative to a step, as Goto/Gosub/GotoIf read it. */
    private static String[] target(Step from, String spec) {
        List<String> p = splitTop(spec.strip(), ',');
        return switch (p.size()) {
            case 1 -> new String[] {from.context(), from.exten(), p.get(0)};
            case 2 -> new String[] {from.context(), p.get(0), p.get(1)};
            default -> new String[] {p.get(0), p.get(1), p.get(2)};
        };
    }

    /**
     * Runs one call through the dialplan the way pbx.c does, for the applications the hotline uses.
     * {@code agi} plays the IVR node: it gets the AGI URL and the channel variables, sets AGISTATUS and
     * whatever the server would set. Returns the applications that reached the caller, in order.
     */
    static final class Call {
        final Dialplan plan;
        final Map<String, String> vars = new java.util.HashMap<>();
        final List<String> ran = new ArrayList<>();
        final java.util.function.BiConsumer<String, Map<String, String>> agi;
        String dialStatus = "CHANUNAVAIL";

        Call(Dialplan plan, java.util.function.BiConsumer<String, Map<String, String>> agi) {
            this.plan = plan;
            this.agi = agi;
        }

        List<String> run(String context, String exten) {
            vars.put("EXTEN", exten);
            java.util.Deque<String[]> stack = new java.util.ArrayDeque<>();
            String[] at = {context, exten, "1"};
            for (int guard = 0; guard < 200; guard++) {
                String matched = plan.match(at[0], at[1]);
                List<Step> steps = matched == null ? null : plan.steps(at[0], matched);
                if (steps == null) {
                    // pbx.c __ast_pbx_run: no such extension -> "i" in that context, else the call ends.
                    if (plan.steps(at[0], "i") == null) {
                        ran.add("END(invalid extension " + at[1] + "@" + at[0] + ")");
                        return ran;
                    }
                    vars.put("INVALID_EXTEN", at[1]);
                    at = new String[] {at[0], "i", "1"};
                    continue;
                }
                int p = Integer.parseInt(at[2]);
                if (p > steps.size()) {
                    ran.add("END(no priority " + p + " in " + at[1] + "@" + at[0] + ")");
                    return ran;
                }
                Step step = steps.get(p - 1);
                String args = substitute(step.args());
                String[] next = {at[0], at[1], String.valueOf(p + 1)};
                switch (step.app()) {
                    case "NoOp", "Answer" -> { }
                    case "Set" -> {
                        int eq = args.indexOf('=');
                        vars.put(args.substring(0, eq).replaceFirst("^__?", ""), args.substring(eq + 1));
                    }
                    case "AGI" -> agi.accept(args, vars);
                    case "GotoIf" -> {
                        int q = args.indexOf('?');
                        List<String> labels = splitTop(args.substring(q + 1), ':');
                        String chosen = truthy(args.substring(0, q)) ? labels.get(0) : (labels.size() > 1 ? labels.get(1) : "");
                        if (!chosen.isEmpty()) {
                            next = resolve(step, chosen);
                        }
                    }
                    case "Goto" -> next = resolve(step, args);
                    case "Gosub" -> {
                        stack.push(next);
                        next = resolve(step, args);
                    }
                    case "Return" -> next = stack.pop();
                    case "Dial" -> {
                        ran.add("Dial(" + args + ")");
                        vars.put("DIALSTATUS", dialStatus);
                    }
                    case "Queue" -> ran.add("Queue(" + args + ") QUEUE_PRIO=" + vars.getOrDefault("QUEUE_PRIO", ""));
                    case "VoiceMail" -> ran.add("VoiceMail(" + args + ")");
                    case "Hangup" -> {
                        ran.add("Hangup()");
                        return ran;
                    }
                    default -> throw new AssertionError("the test does not know " + step.app() + " at " + step);
                }
                at = next;
            }
            throw new AssertionError("dialplan loop: " + ran);
        }

        private String[] resolve(Step from, String spec) {
            String[] t = target(from, spec);
            String exten = plan.match(t[0], t[1]);
            if (exten == null) {
                return t; // run() sends it to "i" the way pbx.c does
            }
            int p = plan.priority(t[0], exten, t[2]);
            assertTrue(p > 0, "no priority or label '" + t[2] + "' in " + t[1] + "@" + t[0] + " (from " + from + ")");
            return new String[] {t[0], t[1], String.valueOf(p)};
        }

        /** pbx_checkcondition: empty or a number equal to 0 is false. */
        private static boolean truthy(String s) {
            String v = s.strip();
            return !v.isEmpty() && !(v.matches("-?\\d+(\\.\\d+)?") && Double.parseDouble(v) == 0);
        }

        /** pbx_substitute_variables_helper: ${VAR}, ${FUNC(args)} and $[expr], innermost first. */
        String substitute(String s) {
            StringBuilder out = new StringBuilder();
            int i = 0;
            while (i < s.length()) {
                if (s.charAt(i) == '$' && i + 1 < s.length() && (s.charAt(i + 1) == '{' || s.charAt(i + 1) == '[')) {
                    char open = s.charAt(i + 1);
                    char close = open == '{' ? '}' : ']';
                    int depth = 1;
                    int j = i + 2;
                    for (; j < s.length() && depth > 0; j++) {
                        if (s.charAt(j) == open) {
                            depth++;
                        } else if (s.charAt(j) == close) {
                            depth--;
                        }
                    }
                    assertTrue(depth == 0, "unbalanced " + open + " in " + s);
                    String inner = substitute(s.substring(i + 2, j - 1));
                    out.append(open == '{' ? variable(inner) : Expression.evaluate(inner));
                    i = j;
                } else {
                    out.append(s.charAt(i++));
                }
            }
            return out.toString();
        }

        private String variable(String name) {
            if (name.equals("EPOCH")) {
                return String.valueOf(ARRIVAL.getEpochSecond());
            }
            if (name.startsWith("IF(")) { // func_logic.c IF(expr?true:false)
                String body = name.substring(3, name.length() - 1);
                int q = body.indexOf('?');
                List<String> values = splitTop(body.substring(q + 1), ':');
                return truthy(body.substring(0, q)) ? values.get(0) : (values.size() > 1 ? values.get(1) : "");
            }
            assertFalse(name.contains("("), "the test does not know the function " + name);
            return vars.getOrDefault(name, "");
        }
    }

    /** ast_expr2.y for what the dialplan uses: quoted string = / != and + - * / % on (long) double. */
    static final class Expression {
        private final String s;
        private int i;

        private Expression(String s) {
            this.s = s;
        }

        static String evaluate(String expr) {
            java.util.regex.Matcher cmp = Pattern.compile("\\s*\"([^\"]*)\"\\s*(!=|=)\\s*\"([^\"]*)\"\\s*").matcher(expr);
            if (cmp.matches()) {
                return (cmp.group(1).equals(cmp.group(3)) == cmp.group(2).equals("=")) ? "1" : "0";
            }
            Expression e = new Expression(expr);
            double v = e.sum();
            e.blank();
            assertEquals(expr.length(), e.i, "not an expression the test understands: $[" + expr + "]");
            assertEquals(Math.rint(v), v, "non-integer result of $[" + expr + "]");
            return String.valueOf((long) v);
        }

        private void blank() {
            while (i < s.length() && s.charAt(i) == ' ') {
                i++;
            }
        }

        private double sum() {
            double v = product();
            for (blank(); i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-'); blank()) {
                char op = s.charAt(i++);
                double r = product();
                v = op == '+' ? v + r : v - r;
            }
            return v;
        }

        private double product() {
            double v = atom();
            for (blank(); i < s.length() && "*/%".indexOf(s.charAt(i)) >= 0; blank()) {
                char op = s.charAt(i++);
                double r = atom();
                v = op == '*' ? v * r : op == '/' ? Math.floor(v / r) : v % r; // % is fmod
            }
            return v;
        }

        private double atom() {
            blank();
            if (s.charAt(i) == '(') {
                i++;
                double v = sum();
                blank();
                assertEquals(')', s.charAt(i++), "missing ) in $[" + s + "]");
                return v;
            }
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || (i == start && s.charAt(i) == '-'))) {
                i++;
            }
            assertTrue(i > start, "not a number at " + start + " in $[" + s + "] (an empty variable?)");
            return Double.parseDouble(s.substring(start, i));
        }
    }

    private static Dialplan dialplan() throws Exception {
        return new Dialplan(sections(EXTENSIONS));
    }

    private static List<String> call(java.util.function.BiConsumer<String, Map<String, String>> agi) throws Exception {
        return new Call(dialplan(), agi).run("hotline-12345", "12345");
    }

    private static final String ARRIVAL_PRIO = String.valueOf(IntakeLine.queuePriority(ARRIVAL));

    @Test
    void bothIvrNodesDownStillReachesTheDefaultQueueInArrivalOrder() throws Exception {
        List<String> urls = new ArrayList<>();
        List<String> ran = call((url, vars) -> {
            urls.add(url);
            vars.put("AGISTATUS", "FAILURE"); // res_agi.c: a FastAGI server that cannot be reached
        });
        assertEquals(List.of("agi://10.0.0.21:4573/hotline", "agi://10.0.0.22:4573/hotline"), urls,
                "both nodes tried, with their addresses (an #included [globals] is skipped by pbx_config)");
        assertEquals(List.of("Queue(12345-agents,t,,,900) QUEUE_PRIO=" + ARRIVAL_PRIO, "Hangup()"), ran);
    }

    @Test
    void aServerThatSetsNothingQueuesTheCallerWithoutTryingTheSecondNode() throws Exception {
        List<String> urls = new ArrayList<>();
        List<String> ran = call((url, vars) -> {
            urls.add(url);
            vars.put("AGISTATUS", "SUCCESS"); // connection dropped before any SET VARIABLE
        });
        assertEquals(1, urls.size(), urls.toString());
        assertEquals(List.of("Queue(12345-agents,t,,,900) QUEUE_PRIO=" + ARRIVAL_PRIO, "Hangup()"), ran);
    }

    @Test
    void theSecondNodeDecidesWhenTheFirstIsDownAndItsPriorityWins() throws Exception {
        List<String> ran = call((url, vars) -> {
            if (url.contains("10.0.0.21")) {
                vars.put("AGISTATUS", "FAILURE");
            } else {
                vars.putAll(Map.of("AGISTATUS", "SUCCESS", "IVR_ROUTE", "queue-enterprise", "IVR_QUEUE", "12345-agents",
                        "IVR_QUEUE_PRIO", "123", "IVR_DRAFT_ID", "1795448040.1"));
            }
        });
        assertEquals(List.of("Queue(12345-enterprise,t,,,900) QUEUE_PRIO=123", "Hangup()"), ran);
    }

    @Test
    void everyRouteTheServerCanSetHasItsOwnExtensionAndAnUnknownOneFallsOpenToTheQueue() throws Exception {
        var cfg = cn.hotline.ivr.ops.ConfigFile.load(SHIPPED_CONFIG, Map.of());
        java.util.Set<String> routes = new java.util.TreeSet<>(FlowSettings.read(cfg).routes());
        assertTrue(routes.containsAll(List.of(FlowSettings.ROUTE_QUEUE, FlowSettings.ROUTE_EMERGENCY,
                FlowSettings.ROUTE_CLOSED, FlowSettings.ROUTE_HANGUP, "queue-enterprise")), routes.toString());
        Dialplan plan = dialplan();
        for (String route : routes) {
            assertTrue(plan.steps("hotline-routes", route) != null, "no extension '" + route + "' in [hotline-routes]");
        }
        Call unknown = new Call(plan, (url, vars) -> vars.putAll(Map.of("AGISTATUS", "SUCCESS", "IVR_ROUTE", "menu-v9")));
        assertEquals(List.of("Queue(12345-agents,t,,,900) QUEUE_PRIO=" + ARRIVAL_PRIO, "Hangup()"),
                unknown.run("hotline-12345", "12345"));
        assertEquals("menu-v9", unknown.vars.get("INVALID_EXTEN"), "reached through the i extension of [hotline-routes]");
    }

    @Test
    void everyStaticGotoGotoIfAndGosubLandsOnAnExistingPriorityAndEverySubroutineReturns() throws Exception {
        Dialplan plan = dialplan();
        Pattern dynamic = Pattern.compile("\\$[\\[{]");
        int checked = 0;
        for (var context : plan.contexts.values()) {
            for (var steps : context.values()) {
                for (Step step : steps) {
                    List<String> specs = new ArrayList<>();
                    if (step.app().equals("Goto") || step.app().equals("Gosub")) {
                        specs.add(step.args());
                    } else if (step.app().equals("GotoIf")) {
                        String args = step.args();
                        // The condition is the $[...] before the '?' at top level.
                        int q = splitTop(args, '?').get(0).length();
                        specs.addAll(splitTop(args.substring(q + 1), ':'));
                    }
                    for (String spec : specs) {
                        String[] t = target(step, spec);
                        if (dynamic.matcher(String.join(",", t)).find()) {
                            continue; // Goto(hotline-routes,${IVR_ROUTE},1): covered by the route test
                        }
                        assertTrue(plan.priority(t[0], t[1], t[2]) > 0, step + " jumps to nothing: " + String.join(",", t));
                        if (step.app().equals("Gosub")) {
                            assertTrue(plan.steps(t[0], t[1]).stream().anyMatch(s -> s.app().equals("Return")),
                                    "the subroutine " + String.join(",", t) + " never returns");
                        }
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked >= 8, "found only " + checked + " jumps");
    }

    @Test
    void noGlobalsOrGeneralSectionThatAsteriskWouldSilentlySkipWhenIncluded() throws Exception {
        // pbx_config.c reads ast_variable_browse(cfg, "globals") (the first [globals] only); manager.c reads
        // the first [general] and skips every later one. The stock files have their own, so an #included
        // one is lost without a warning.
        for (Path file : List.of(EXTENSIONS, MANAGER)) {
            for (Section s : sections(file)) {
                assertFalse(s.name().equalsIgnoreCase("globals") || s.name().equalsIgnoreCase("general"),
                        file + ": [" + s.name() + "] would be ignored after the stock file's own");
            }
        }
        List<Step> trunk = dialplan().steps("hotline-12345", "_X.");
        int settings = -1;
        int firstAgi = -1;
        for (Step s : trunk) {
            if (s.app().equals("Gosub") && s.args().equals("hotline-settings,s,1") && settings < 0) {
                settings = s.priority();
            }
            if (s.app().equals("AGI") && firstAgi < 0) {
                firstAgi = s.priority();
            }
        }
        assertTrue(settings > 0 && settings < firstAgi, "the settings are set before the first AGI: " + trunk);
    }

    @Test
    void queueTakesTheNameOptionsAndTimeoutInAsterisksArgumentOrder() throws Exception {
        // app_queue.c: Queue(queuename,options,URL,announceoverride,timeout,AGI,[macro,]gosub,rule,position)
        Dialplan plan = dialplan();
        int queues = 0;
        for (var steps : plan.contexts.get("hotline-routes").values()) {
            for (Step step : steps) {
                if (step.app().equals("Queue")) {
                    List<String> a = splitTop(step.args(), ',');
                    assertEquals(5, a.size(), step.toString());
                    assertFalse(a.get(0).isBlank(), step.toString());
                    assertTrue(a.get(1).matches("[CcdFhHiIknrRtTwWx]*"), "unknown Queue option in " + step);
                    assertEquals("", a.get(2) + a.get(3), "no URL or announcement override: " + step);
                    assertTrue(a.get(4).matches("\\d+"), "timeout in seconds in the 5th place: " + step);
                    queues++;
                }
            }
        }
        assertEquals(2, queues);
    }

    @Test
    void theEmergencyHandOffDialsTheNumberAtAnEndpointThatExistsAndFallsBackToTheQueue() throws Exception {
        java.util.Set<String> endpoints = new java.util.HashSet<>();
        for (Section s : sections(PJSIP)) {
            if ("endpoint".equals(s.value("type"))) {
                endpoints.add(s.name());
            }
        }
        Call call = new Call(dialplan(), (url, vars) -> vars.putAll(Map.of("AGISTATUS", "SUCCESS",
                "IVR_ROUTE", "emergency", "IVR_EMERGENCY_TARGET", "110", "IVR_QUEUE_PRIO", "77")));
        List<String> ran = call.run("hotline-12345", "12345");
        // chan_pjsip.c request(): PJSIP/<user>@<endpoint> puts the number in the request URI; in
        // PJSIP/<endpoint>/<x> the x is an AOR or a full SIP URI, and "110" is neither.
        java.util.regex.Matcher dial = Pattern.compile("Dial\\(PJSIP/110@([^,/]+),\\d+\\)").matcher(ran.get(0));
        assertTrue(dial.matches(), ran.toString());
        assertTrue(endpoints.contains(dial.group(1)), "no endpoint '" + dial.group(1) + "' in pjsip.conf: " + endpoints);
        assertEquals(List.of("Queue(12345-agents,t,,,900) QUEUE_PRIO=77", "Hangup()"), ran.subList(1, ran.size()),
                "not answered: an agent takes it");

        List<String> noTarget = call((url, vars) -> vars.putAll(Map.of("AGISTATUS", "SUCCESS", "IVR_ROUTE", "emergency")));
        assertEquals(List.of("Queue(12345-agents,t,,,900) QUEUE_PRIO=" + ARRIVAL_PRIO, "Hangup()"), noTarget);
    }

    @Test
    void pjsipSectionsReferToObjectsOfTheRightType() throws Exception {
        Map<String, java.util.Set<String>> byType = new java.util.HashMap<>();
        List<Section> all = sections(PJSIP);
        for (Section s : all) {
            assertTrue(s.value("type") != null, "pjsip.conf [" + s.name() + "] has no type");
            byType.computeIfAbsent(s.value("type"), k -> new java.util.HashSet<>()).add(s.name());
        }
        for (Section s : all) {
            String[][] refs = {{"transport", "transport"}, {"aors", "aor"}, {"auth", "auth"}, {"endpoint", "endpoint"}};
            for (String[] r : refs) {
                String v = s.value(r[0]);
                if (v != null && !(s.value("type").equals("transport") && r[0].equals("transport"))) {
                    for (String name : v.split(",")) {
                        assertTrue(byType.getOrDefault(r[1], java.util.Set.of()).contains(name.strip()),
                                "pjsip.conf [" + s.name() + "] " + r[0] + " = " + name + ": no such " + r[1]);
                    }
                }
            }
        }
        assertEquals("hotline-12345", all.stream().filter(s -> s.name().equals("carrier-trunk")
                && "endpoint".equals(s.value("type"))).findFirst().orElseThrow().value("context"));
    }

    @Test
    void queuesConfUsesOnlyKeysAppQueueKnows() throws Exception {
        // app_queue.c queue_set_param (Asterisk 18-22) plus "member"; anything else logs
        // "Unknown keyword in queue '...': ... at line N of queues.conf" on every load.
        java.util.Set<String> known = java.util.Set.of("musicclass", "music", "musiconhold", "announce", "context",
                "timeout", "ringinuse", "setinterfacevar", "setqueuevar", "setqueueentryvar", "monitor-format",
                "membermacro", "membergosub", "announce-frequency", "announce-to-first-user", "min-announce-frequency",
                "announce-round-seconds", "announce-holdtime", "announce-position", "announce-position-limit",
                "periodic-announce", "periodic-announce-frequency", "relative-periodic-announce",
                "random-periodic-announce", "retry", "wrapuptime", "penaltymemberslimit", "autofill", "monitor-type",
                "autopause", "autopausedelay", "autopausebusy", "autopauseunavail", "maxlen", "servicelevel",
                "strategy", "joinempty", "leavewhenempty", "reportholdtime", "memberdelay", "weight", "timeoutrestart",
                "defaultrule", "timeoutpriority", "member");
        for (Section s : sections(QUEUES)) {
            for (String[] e : s.entries()) {
                assertTrue(known.contains(e[0]) || e[0].startsWith("queue-"),
                        "queues.conf [" + s.name() + "] " + e[0] + ": not a key app_queue knows (since Asterisk 12)");
            }
        }
    }

    @Test
    void theServersWrapUpTimeIsTheAgentQueues() throws Exception {
        // AMI reports each member's LastCall but not the queue's wrapuptime; app_queue.c can_ring_entry rings
        // no member until time(NULL) - lastcall >= wrapuptime, so the server must be told the same number.
        var ami = cn.hotline.ivr.telephony.ami.AmiSettings.read(cn.hotline.ivr.ops.ConfigFile.load(SHIPPED_CONFIG, Map.of()));
        Section queue = sections(QUEUES).stream().filter(s -> s.name().equals(ami.queue())).findFirst().orElseThrow();
        String wrapup = queue.value("wrapuptime");
        assertEquals(wrapup == null ? 0 : Long.parseLong(wrapup), ami.wrapupTime().toSeconds(),
                "hotline.yaml ami.wrapup-time against queues.conf [" + ami.queue() + "] wrapuptime");
    }

    @Test
    void theAmiUserHasValidClassesAndOnlyThoseTheServerUses() throws Exception {
        // manager.c perms[]: the class names Asterisk accepts in read/write.
        java.util.Set<String> valid = java.util.Set.of("system", "call", "log", "verbose", "command", "agent", "user",
                "config", "dtmf", "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security",
                "message", "all", "none");
        Section ivr = sections(MANAGER).stream().filter(s -> s.name().equals("ivr")).findFirst().orElseThrow();
        List<String> read = List.of(ivr.value("read").split("\\s*,\\s*"));
        List<String> write = List.of(ivr.value("write").split("\\s*,\\s*"));
        assertTrue(valid.containsAll(read) && valid.containsAll(write), read + " / " + write);
        // Events: agent (ami.event-mask) for queue/agent events; Setvar and PlayDTMF need write=call;
        // CoreSettings (Asterisk-Java's version check at login) needs system or reporting: reporting only
        // reads. QueueStatus and Ping need no class. Originate is never sent: a leaked secret must not place calls.
        assertEquals(List.of("agent"), read);
        assertEquals(List.of("call", "reporting"), write);
    }
}
