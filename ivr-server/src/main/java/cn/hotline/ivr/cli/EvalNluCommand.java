package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.understanding.CallerContext;
import cn.hotline.ivr.understanding.Catalogue;
import cn.hotline.ivr.understanding.NluEvaluation;
import cn.hotline.ivr.understanding.Records;
import cn.hotline.ivr.understanding.Taxonomy;
import cn.hotline.ivr.understanding.TextClassifier;
import cn.hotline.ivr.understanding.Understander;
import cn.hotline.ivr.understanding.Understanding;
import cn.hotline.ivr.understanding.UnderstandingSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code ivr eval-nlu}: trains the topic/type classifier and scores it, either on a test file or by
 * stratified k-fold cross-validation of the training file. Last line: JSON accuracy, macro_f1, n.
 */
final class EvalNluCommand implements Command {
    @Override
    public String name() {
        return "eval-nlu";
    }

    @Override
    public String usage() {
        return "eval-nlu --train FILE... [--test FILE... | --folds 5] --label FIELD [--unlabeled FILE...] "
                + "[--input full|recognizer] [--catalogue FILE] [--taxonomy TSV] [--seed N] [--words on|off] [--stop-on-error]   score the text classifier\n"
                + "  eval-nlu --rules topic|type --test FILE... --label FIELD [--input full|recognizer] [--catalogue FILE]"
                + "   score the catalogue's keyword rules (what runs without a trained model) on labelled records";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        return NluCommands.guarded(name(), err, () -> execute(args, out, err));
    }

    private int execute(Args args, PrintStream out, PrintStream err) throws Exception {
        String rules = args.string("--rules", "");
        if (!rules.isEmpty()) {
            return rules(rules, args, out, err);
        }
        List<Path> train = NluCommands.paths(args.all("--train"), "--train");
        List<Path> test = NluCommands.paths(args.all("--test"), null);
        String label = args.required("--label");
        int folds = args.integer("--folds", 5);
        List<Path> unlabeledFiles = NluCommands.paths(args.all("--unlabeled"), null);
        boolean recognizerLike = NluCommands.recognizerInput(args);
        Path cataloguePath = args.path("--catalogue", null);
        Path taxonomy = args.path("--taxonomy", null);
        boolean stop = args.flag("--stop-on-error");
        long seed = args.longValue("--seed", 42);
        boolean words = NluCommands.words(args);
        args.done();
        if (test.isEmpty() && (folds < 2 || folds > 50)) {
            throw new UsageException("--folds must be between 2 and 50");
        }
        Catalogue catalogue = Catalogue.load(cataloguePath);
        List<String[]> labelTerms = taxonomy == null ? List.of() : Taxonomy.terms(taxonomy);
        List<TextClassifier.Example> trainSet = NluCommands.examples(Records.read(train, stop, err), label, recognizerLike, err);
        List<String> unlabeled = NluCommands.texts(Records.read(unlabeledFiles, stop, err), recognizerLike);
        TextClassifier.Options options = TextClassifier.Options.defaults().withSeed(seed).withWords(words);
        if (trainSet.isEmpty()) {
            err.println("eval-nlu: no training record has a '" + label + "' label");
            return 1;
        }
        List<String> gold = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        if (!test.isEmpty()) {
            List<TextClassifier.Example> testSet = NluCommands.examples(Records.read(test, stop, err), label, recognizerLike, err);
            TextClassifier model = TextClassifier.train(label, trainSet, unlabeled, catalogue, labelTerms, options);
            for (TextClassifier.Example e : testSet) {
                gold.add(e.label());
                predicted.add(model.predict(e.text()).label());
            }
        } else {
            int[] fold = NluEvaluation.folds(trainSet.stream().map(TextClassifier.Example::label).toList(), folds, seed);
            String[] pred = new String[trainSet.size()];
            for (int f = 0; f < folds; f++) {
                List<TextClassifier.Example> fit = new ArrayList<>();
                for (int i = 0; i < trainSet.size(); i++) {
                    if (fold[i] != f) {
                        fit.add(trainSet.get(i));
                    }
                }
                TextClassifier model = TextClassifier.train(label, fit, unlabeled, catalogue, labelTerms, options);
                for (int i = 0; i < trainSet.size(); i++) {
                    if (fold[i] == f) {
                        pred[i] = model.predict(trainSet.get(i).text()).label();
                    }
                }
            }
            trainSet.forEach(e -> gold.add(e.label()));
            predicted.addAll(List.of(pred));
        }
        NluEvaluation.Report report = NluEvaluation.score(gold, predicted);
        out.print(NluEvaluation.table(report));
        out.println(Json.write(report.summary()));
        return 0;
    }

    /**
     * The keyword rules need no training: every record is a test record. A label names catalogue entries by
     * code, label or alias (a coarse label may name several); a prediction of an entry that no label of the
     * file names counts as wrong, as does "unknown" (ask an agent).
     */
    private int rules(String kind, Args args, PrintStream out, PrintStream err) throws Exception {
        if (!kind.equals("topic") && !kind.equals("type")) {
            throw new UsageException("--rules must be 'topic' or 'type', got '" + kind + "'");
        }
        List<Path> test = NluCommands.paths(args.all("--test"), "--test");
        String label = args.required("--label");
        boolean recognizerLike = NluCommands.recognizerInput(args);
        Path cataloguePath = args.path("--catalogue", null);
        boolean stop = args.flag("--stop-on-error");
        args.done();
        Catalogue catalogue = Catalogue.load(cataloguePath);
        List<TextClassifier.Example> testSet = NluCommands.examples(Records.read(test, stop, err), label, recognizerLike, err);
        if (testSet.isEmpty()) {
            err.println("eval-nlu: no test record has a '" + label + "' label");
            return 1;
        }
        List<Catalogue.Entry> entries = kind.equals("topic") ? catalogue.topics() : catalogue.requestTypes();
        Map<String, String> labelOf = new HashMap<>();
        for (String l : new TreeSet<>(testSet.stream().map(TextClassifier.Example::label).toList())) {
            catalogue.matching(entries, l).forEach(e -> labelOf.putIfAbsent(e.code(), l));
        }
        if (labelOf.isEmpty()) {
            err.println("eval-nlu: no '" + label + "' value names a catalogue " + kind + " (by code, label or alias): "
                    + "add the file's labels as aliases in the catalogue");
            return 1;
        }
        List<String> unnamed = entries.stream().map(Catalogue.Entry::code).filter(c -> !labelOf.containsKey(c)).toList();
        if (!unnamed.isEmpty()) {
            err.println("eval-nlu: no '" + label + "' value names these " + kind + "s, so predicting one counts as wrong: "
                    + String.join(", ", unnamed));
        }
        Understander rules = Understander.create(new UnderstandingSettings(Optional.ofNullable(cataloguePath),
                Optional.empty(), Optional.empty(), Optional.empty(), "", UnderstandingSettings.defaults().unknownBelow(),
                Optional.empty(), Optional.empty()));
        List<String> gold = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        for (TextClassifier.Example e : testSet) {
            Understanding u = rules.understand(e.text(), new CallerContext("", ""));
            String code = kind.equals("topic") ? u.topic().code() : u.requestType().code();
            gold.add(e.label());
            predicted.add(labelOf.getOrDefault(code, code));
        }
        NluEvaluation.Report report = NluEvaluation.score(gold, predicted);
        out.print(NluEvaluation.table(report));
        out.println(Json.write(report.summary()));
        return 0;
    }
}
