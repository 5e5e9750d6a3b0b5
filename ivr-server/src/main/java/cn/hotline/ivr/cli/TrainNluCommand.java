package cn.hotline.ivr.cli;

import cn.hotline.ivr.understanding.Catalogue;
import cn.hotline.ivr.understanding.Records;
import cn.hotline.ivr.understanding.Taxonomy;
import cn.hotline.ivr.understanding.TextClassifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
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
        Map<String, Integer> counts = new TreeMap<>();
        examples.forEach(e -> counts.merge(e.label(), 1, Integer::sum));
        if (counts.size() < 2) {
            err.println("train-nlu: every one of the " + examples.size() + " records has '" + label + "' = '"
                    + counts.keySet().iterator().next() + "': a classifier needs records of at least 2 labels");
            return 1;
        }
        List<String> unlabeled = NluCommands.texts(Records.read(unlabeledFiles, stop, err), false);
        // Before training, which may take a while: an --out that cannot hold the model fails now.
        String outProblem = outputProblem(outDir);
        if (outProblem != null) {
            err.println("train-nlu: " + outProblem);
            return 2;
        }
        TextClassifier model = TextClassifier.train(label, examples, unlabeled, catalogue, labelTerms,
                TextClassifier.Options.defaults().withWords(words));
        try {
            model.save(outDir);
        } catch (IOException e) {
            err.println("train-nlu: cannot write the model to " + outDir + ": " + NluCommands.reason(e));
            return 1;
        }
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

    /** Why {@code outDir} cannot take the model (creating it if need be), or null when it can. */
    private static String outputProblem(Path outDir) {
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            return "--out " + outDir + " is an existing file; give a directory for the model";
        }
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            return "cannot create the model directory " + outDir + ": " + NluCommands.reason(e);
        }
        if (!Files.isWritable(outDir)) {
            return "cannot write to the model directory " + outDir + ": permission denied";
        }
        return null;
    }
}
