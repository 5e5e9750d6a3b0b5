package cn.hotline.ivr.cli;

import cn.hotline.ivr.understanding.Catalogue;
import cn.hotline.ivr.understanding.Records;
import cn.hotline.ivr.understanding.Taxonomy;
import cn.hotline.ivr.understanding.TextClassifier;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ivr train-nlu --data FILE.jsonl... --label FIELD --out DIR}: trains the topic or request-type
 * classifier from a city's own labelled records. The model is derived from that data: keep it with
 * the data's licence (never commit one trained on research-only data).
 */
final class TrainNluCommand implements Command {
    @Override
    public String name() {
        return "train-nlu";
    }

    @Override
    public String usage() {
        return "train-nlu --data FILE.jsonl... --label FIELD --out DIR [--unlabeled FILE...] [--catalogue FILE] [--taxonomy TSV] "
                + "[--words on|off] [--stop-on-error]   train the topic/type classifier";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        return NluCommands.guarded(name(), err, () -> execute(args, out, err));
    }

    private int execute(Args args, PrintStream out, PrintStream err) throws Exception {
        List<Path> data = NluCommands.paths(args.all("--data"), "--data");
        String label = args.required("--label");
        Path outDir = Path.of(args.required("--out"));
        List<Path> unlabeledFiles = NluCommands.paths(args.all("--unlabeled"), null);
        Path cataloguePath = args.path("--catalogue", null);
        Path taxonomy = args.path("--taxonomy", null);
        boolean stop = args.flag("--stop-on-error");
        boolean words = NluCommands.words(args);
        args.done();
        Catalogue catalogue = Catalogue.load(cataloguePath);
        List<String[]> labelTerms = taxonomy == null ? List.of() : Taxonomy.terms(taxonomy);
        List<TextClassifier.Example> examples = NluCommands.examples(Records.read(data, stop, err), label, false, err);
        if (examples.isEmpty()) {
            err.println("train-nlu: no record has a '" + label + "' value; nothing to train");
            return 1;
        }
        List<String> unlabeled = NluCommands.texts(Records.read(unlabeledFiles, stop, err), false);
        TextClassifier model = TextClassifier.train(label, examples, unlabeled, catalogue, labelTerms,
                TextClassifier.Options.defaults().withWords(words));
        model.save(outDir);
        Map<String, Integer> counts = new TreeMap<>();
        examples.forEach(e -> counts.merge(e.label(), 1, Integer::sum));
        for (String l : model.labels()) {
            if (catalogue.find(catalogue.topics(), l).isEmpty() && catalogue.find(catalogue.requestTypes(), l).isEmpty()) {
                err.println("note: label '" + l + "' is not a code, label or alias in catalogue " + catalogue.version()
                        + " (add it as an alias so it gets a department)");
            }
        }
        out.println("trained on " + examples.size() + " records, " + counts.size() + " labels " + counts
                + (unlabeled.isEmpty() ? "" : ", " + unlabeled.size() + " unlabelled") + " -> " + outDir);
        return 0;
    }
}
