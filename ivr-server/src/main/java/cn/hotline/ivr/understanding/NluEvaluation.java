package cn.hotline.ivr.understanding;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/** Scores a classifier: per-class precision/recall/F1, accuracy, macro-F1; k-fold cross-validation. */
public final class NluEvaluation {
    /** Per-class numbers. */
    public record ClassScore(String label, int support, int predicted, double precision, double recall, double f1) {
    }

    /** The whole report. */
    public record Report(List<ClassScore> classes, double accuracy, double macroF1, int n) {
        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accuracy", round(accuracy));
            m.put("macro_f1", round(macroF1));
            m.put("n", n);
            return m;
        }
    }

    private NluEvaluation() {
    }

    static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    /** Scores predictions against gold labels (same order). Classes are those seen in gold. */
    public static Report score(List<String> gold, List<String> predicted) {
        Map<String, int[]> counts = new TreeMap<>(); // tp, gold, predicted
        for (String g : new TreeSet<>(gold)) {
            counts.put(g, new int[3]);
        }
        int correct = 0;
        for (int i = 0; i < gold.size(); i++) {
            String g = gold.get(i);
            String p = predicted.get(i);
            counts.get(g)[1]++;
            int[] pc = counts.get(p);
            if (pc != null) {
                pc[2]++;
            }
            if (g.equals(p)) {
                counts.get(g)[0]++;
                correct++;
            }
        }
        List<ClassScore> classes = new ArrayList<>();
        double sumF1 = 0;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int[] c = e.getValue();
            double precision = c[2] == 0 ? 0 : c[0] / (double) c[2];
            double recall = c[1] == 0 ? 0 : c[0] / (double) c[1];
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes.add(new ClassScore(e.getKey(), c[1], c[2], precision, recall, f1));
            sumF1 += f1;
        }
        double accuracy = gold.isEmpty() ? 0 : correct / (double) gold.size();
        return new Report(classes, accuracy, classes.isEmpty() ? 0 : sumF1 / classes.size(), gold.size());
    }

    /**
     * Stratified k folds: each label's examples are shuffled (seeded) and dealt round-robin, so every
     * fold has each class in proportion. Returns the fold number of every example.
     */
    public static int[] folds(List<String> labels, int k, long seed) {
        Map<String, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < labels.size(); i++) {
            byLabel.computeIfAbsent(labels.get(i), x -> new ArrayList<>()).add(i);
        }
        int[] fold = new int[labels.size()];
        Random random = new Random(seed);
        int next = 0;
        for (List<Integer> idx : byLabel.values()) {
            Collections.shuffle(idx, random);
            for (int i : idx) {
                fold[i] = next++ % k;
            }
        }
        return fold;
    }

    /** Human-readable per-class table. */
    public static String table(Report r) {
        StringBuilder b = new StringBuilder(String.format("%-16s %7s %7s %9s %7s %7s%n", "class", "support", "pred", "precision", "recall", "f1"));
        for (ClassScore c : r.classes()) {
            b.append(String.format("%-16s %7d %7d %9.3f %7.3f %7.3f%n", c.label(), c.support(), c.predicted(),
                    c.precision(), c.recall(), c.f1()));
        }
        b.append(String.format("accuracy %.4f  macro-F1 %.4f  n %d%n", r.accuracy(), r.macroF1(), r.n()));
        return b.toString();
    }
}
