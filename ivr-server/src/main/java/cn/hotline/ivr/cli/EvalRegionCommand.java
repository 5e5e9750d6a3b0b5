package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.understanding.CallerContext;
import cn.hotline.ivr.understanding.Divisions;
import cn.hotline.ivr.understanding.Records;
import cn.hotline.ivr.understanding.RegionResolver;
import cn.hotline.ivr.understanding.Understanding;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ivr eval-region}: resolves the region of every record whose {@code --label} field names a
 * district and scores it. Precision is over the records where a district was output, recall over all
 * scored records. Last line: JSON precision, recall, n.
 */
final class EvalRegionCommand implements Command {
    @Override
    public String name() {
        return "eval-region";
    }

    @Override
    public String usage() {
        return "eval-region --test FILE... --label FIELD --city CITY [--divisions DIR] [--input full|recognizer] "
                + "[--verbose] [--stop-on-error]   score district resolution";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        return NluCommands.guarded(name(), err, () -> execute(args, out, err));
    }

    private int execute(Args args, PrintStream out, PrintStream err) throws Exception {
        List<Path> test = NluCommands.paths(args.all("--test"), "--test");
        String label = args.required("--label");
        String city = args.required("--city");
        Path divisionsDir = args.path("--divisions", null);
        boolean recognizerLike = NluCommands.recognizerInput(args);
        boolean verbose = args.flag("--verbose");
        boolean stop = args.flag("--stop-on-error");
        args.done();
        RegionResolver resolver = new RegionResolver(Divisions.load(divisionsDir, city), RegionResolver.loadGazetteer(null));
        if (resolver.divisions().city(city).isEmpty()) {
            err.println("eval-region: no city called '" + city + "' in " + resolver.divisions().source());
            return 2;
        }
        int n = 0;
        int output = 0;
        int correct = 0;
        for (Records.Row row : Records.read(test, stop, err)) {
            String gold = row.field(label);
            if (gold.isEmpty()) {
                continue;
            }
            n++;
            Understanding.Region region = resolver.resolve(NluCommands.prepare(row.text(), recognizerLike), CallerContext.of(city));
            if (region.hasDistrict()) {
                output++;
                boolean ok = region.district().equals(gold);
                correct += ok ? 1 : 0;
                if (verbose && !ok) {
                    err.println(row.source() + ":" + row.line() + ": gold " + gold + ", said " + region.district()
                            + " from " + region.evidence().stream().map(e -> e.text()).toList());
                }
            } else if (verbose) {
                err.println(row.source() + ":" + row.line() + ": gold " + gold + ", said nothing"
                        + (region.city() == null ? "" : " (city " + region.city() + ")"));
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("precision", output == 0 ? 0.0 : Math.round(correct * 10000.0 / output) / 10000.0);
        result.put("recall", n == 0 ? 0.0 : Math.round(correct * 10000.0 / n) / 10000.0);
        result.put("n", n);
        out.println("records scored " + n + ", district output " + output + ", correct " + correct);
        out.println(Json.write(result));
        return 0;
    }
}
