package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.understanding.CallerContext;
import cn.hotline.ivr.understanding.Divisions;
import cn.hotline.ivr.understanding.Understander;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code ivr classify [--city 杭州市] [--caller NUMBER] [--config FILE] "text"}: prints the Understanding as JSON. */
final class ClassifyCommand implements Command {
    @Override
    public String name() {
        return "classify";
    }

    @Override
    public String usage() {
        return "classify [--city CITY] [--caller NUMBER] [--config FILE] \"text\"   understand one utterance, print JSON";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        String city = args.string("--city", null);
        String caller = args.string("--caller", "");
        Path config = args.path("--config", null);
        if (args.positionals().isEmpty()) {
            throw new UsageException("missing the text to classify");
        }
        String text = String.join(" ", args.positionals());
        args.done();
        return NluCommands.guarded(name(), err, () -> {
            Understander understander = NluCommands.understander(config);
            if (city != null && understander.divisions().city(city).isEmpty()) {
                err.println("classify: no city called '" + city + "' in " + understander.divisions().source()
                        + similar(understander.divisions(), city));
                return 2;
            }
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(
                    understander.understand(text, new CallerContext(caller, city == null ? "" : city))));
            return 0;
        });
    }

    /** "; did you mean ..." for city names one character away from a mistyped one, else nothing. */
    static String similar(Divisions divisions, String city) {
        String wanted = core(city.strip());
        List<String> near = divisions.all(Divisions.Level.CITY).stream().map(divisions::displayName).distinct()
                .filter(n -> wanted.length() >= 2 && distance(core(n), wanted) <= 1).sorted().limit(3).toList();
        return near.isEmpty() ? "" : "; did you mean " + String.join(", ", near) + "?";
    }

    private static String core(String name) {
        return name.endsWith("市") && name.length() > 1 ? name.substring(0, name.length() - 1) : name;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
