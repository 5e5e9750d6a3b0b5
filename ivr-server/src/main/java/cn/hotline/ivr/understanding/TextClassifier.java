package cn.hotline.ivr.understanding;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A multinomial logistic regression over character 1–3-grams plus the dispatch catalogue's keyword
 * hits, with tf-idf weighting. The catalogue keywords give the model knowledge a few hundred examples
 * cannot (a rare class is still recognised by its words); the n-grams learn the city's own phrasing.
 * Optionally self-trained on unlabelled messages. Saved as one binary file that also carries the
 * keyword terms it was trained with, so a model never depends on the catalogue file it met later.
 */
public final class TextClassifier {
    static final String FILE_NAME = "text-classifier.bin";
    private static final int MAGIC_V1 = 0x4E4C5531; // "NLU1": n-grams and keywords only
    private static final int MAGIC = 0x4E4C5532; // "NLU2": + whether words are features

    /** One labelled text. */
    public record Example(String text, String label) {
    }

    /** The best label, its probability, and the probability of every label. */
    public record Prediction(String label, double probability, Map<String, Double> probabilities) {
    }

    /** Training knobs; {@link #defaults()} are the measured choice documented in docs/understanding.md. */
    public record Options(int epochs, double l2, double learningRate, boolean balanced, int minCount,
                          double selfTrainThreshold, double selfTrainWeight, boolean words, long seed) {
        public Options withSeed(long newSeed) {
            return new Options(epochs, l2, learningRate, balanced, minCount, selfTrainThreshold, selfTrainWeight, words, newSeed);
        }

        public Options withWords(boolean useWords) {
            return new Options(epochs, l2, learningRate, balanced, minCount, selfTrainThreshold, selfTrainWeight, useWords, seed);
        }

        /** Words on and min count 2: +0.02 domain, +0.01 topic macro-F1 over three splits (docs/understanding.md). */
        public static Options defaults() {
            return new Options(25, 1e-3, 0.5, true, 2, 0.9, 0.5, true, 42);
        }
    }

    /** Character n-gram lengths: 1–3 measured best (1–2 and 2–4 were worse on both data sets). */
    static final int MIN_N = 1;
    static final int MAX_N = 3;

    private final String labelField;
    private final String catalogueVersion;
    private final String[] labels;
    private final Map<String, Integer> vocab;
    private final float[] idf;
    private final float[] weights; // feature-major: weights[f * labels + c]
    private final float[] bias;
    private final List<String[]> keywordTerms; // {term, feature name}
    private final TermMatcher<String> keywords;
    private final WordSegmenter segmenter; // null: the model has no word features

    private TextClassifier(String labelField, String catalogueVersion, String[] labels, Map<String, Integer> vocab,
                           float[] idf, float[] weights, float[] bias, List<String[]> keywordTerms, boolean words) {
        this.segmenter = words ? WordSegmenter.shared() : null;
        this.labelField = labelField;
        this.catalogueVersion = catalogueVersion;
        this.labels = labels;
        this.vocab = vocab;
        this.idf = idf;
        this.weights = weights;
        this.bias = bias;
        this.keywordTerms = keywordTerms;
        this.keywords = matcher(keywordTerms);
    }

    public String labelField() {
        return labelField;
    }

    public String catalogueVersion() {
        return catalogueVersion;
    }

    public List<String> labels() {
        return List.of(labels);
    }

    /** The keyword terms of a catalogue as classifier features: {@code k:<topic>} and {@code r:<type>}. */
    static List<String[]> keywordTerms(Catalogue catalogue) {
        List<String[]> terms = new ArrayList<>();
        for (Catalogue.Entry t : catalogue.topics()) {
            for (String k : t.keywords()) {
                terms.add(new String[] {k, "k:" + t.code()});
            }
        }
        for (Catalogue.Entry t : catalogue.requestTypes()) {
            for (String k : t.keywords()) {
                terms.add(new String[] {k, "r:" + t.code()});
            }
        }
        return terms;
    }

    private static TermMatcher<String> matcher(List<String[]> terms) {
        TermMatcher<String> m = new TermMatcher<>();
        for (String[] t : terms) {
            m.add(t[0], t[1]);
        }
        return m.build();
    }

    /**
     * Raw feature counts of a text: char 1–3-grams (digits folded to 0), keyword hits and, with a
     * segmenter, the words of two or more characters ({@code s:<word>}).
     */
    static Map<String, Integer> counts(String text, TermMatcher<String> keywords, WordSegmenter segmenter) {
        // Personal numbers blanked: their digits are no evidence of a topic (and their n-grams are noise).
        String folded = Text.fold(PersonalData.blank(Text.cap(text), ' '));
        Map<String, Integer> counts = new HashMap<>();
        char[] seg = new char[folded.length()];
        int n = 0;
        for (int i = 0; i <= folded.length(); i++) {
            char ch = i < folded.length() ? folded.charAt(i) : ' ';
            if (Text.isWordChar(ch)) {
                seg[n++] = Character.isDigit(ch) ? '0' : ch;
                continue;
            }
            for (int a = 0; a < n; a++) {
                for (int len = MIN_N; len <= MAX_N && a + len <= n; len++) {
                    counts.merge(new String(seg, a, len), 1, Integer::sum);
                }
            }
            n = 0;
        }
        for (TermMatcher.Hit<String> hit : keywords.find(folded, true)) {
            counts.merge(hit.owner(), 1, Integer::sum);
        }
        if (segmenter != null) {
            for (String word : segmenter.words(folded)) {
                counts.merge("s:" + word, 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Sparse tf-idf vector, L2-normalised, over the known vocabulary. */
    private static Sparse vector(Map<String, Integer> counts, Map<String, Integer> vocab, float[] idf) {
        int[] idx = new int[counts.size()];
        float[] val = new float[counts.size()];
        boolean[] keyword = new boolean[counts.size()];
        int n = 0;
        double norm = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            Integer f = vocab.get(e.getKey());
            if (f == null) {
                continue;
            }
            float v = (float) ((1 + Math.log(e.getValue())) * idf[f]);
            idx[n] = f;
            val[n] = v;
            keyword[n] = isKeyword(e.getKey());
            if (!keyword[n]) {
                norm += v * v;
            }
            n++;
        }
        // The n-grams are L2-normalised together; a catalogue keyword hit keeps a weight of its own,
        // so that one decisive word is not drowned by hundreds of character n-grams.
        float inv = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < n; i++) {
            val[i] *= keyword[i] ? KEYWORD_SCALE / idf[idx[i]] : inv;
        }
        return new Sparse(Arrays.copyOf(idx, n), Arrays.copyOf(val, n));
    }

    /** Value of one keyword hit next to the unit-length n-gram vector (0.1, 0.3, 1 measured; 0.3 best). */
    static final float KEYWORD_SCALE = 0.3f;

    private static boolean isKeyword(String feature) {
        return feature.startsWith("k:") || feature.startsWith("r:") || feature.startsWith("x:");
    }

    private record Sparse(int[] idx, float[] val) {
    }

    public Prediction predict(String text) {
        double[] p = probabilities(vector(counts(text, keywords, segmenter), vocab, idf));
        int best = 0;
        Map<String, Double> all = new LinkedHashMap<>();
        for (int c = 0; c < labels.length; c++) {
            all.put(labels[c], p[c]);
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return new Prediction(labels[best], p[best], all);
    }

    private double[] probabilities(Sparse x) {
        return softmax(x, labels.length, weights, bias);
    }

    private static double[] softmax(Sparse x, int k, float[] w, float[] b) {
        double[] z = new double[k];
        for (int c = 0; c < k; c++) {
            z[c] = b[c];
        }
        for (int i = 0; i < x.idx.length; i++) {
            int base = x.idx[i] * k;
            float v = x.val[i];
            for (int c = 0; c < k; c++) {
                z[c] += w[base + c] * v;
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        for (int c = 0; c < k; c++) {
            z[c] /= sum;
        }
        return z;
    }

    /**
     * Trains on {@code examples}; when {@code unlabelled} is not empty, labels the unlabelled texts the
     * first model is confident about and trains again with them at a lower weight (self-training).
     */
    public static TextClassifier train(String labelField, List<Example> examples, List<String> unlabelled,
                                       Catalogue catalogue, Options options) {
        return train(labelField, examples, unlabelled, catalogue, List.of(), options);
    }

    /**
     * As above, with extra knowledge terms: {@code {term, label}} pairs (e.g. from a category tree whose
     * top level is the label set) that become features {@code x:<label>} with the same prior as the
     * catalogue keywords.
     */
    public static TextClassifier train(String labelField, List<Example> examples, List<String> unlabelled,
                                       Catalogue catalogue, List<String[]> labelTerms, Options options) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no labelled examples to train on");
        }
        List<String[]> terms = keywordTerms(catalogue);
        for (String[] t : labelTerms) {
            terms.add(new String[] {t[0], "x:" + t[1]});
        }
        TermMatcher<String> kw = matcher(terms);
        String[] labels = examples.stream().map(Example::label).distinct().sorted().toArray(String[]::new);
        Map<String, Integer> labelIndex = new HashMap<>();
        for (int i = 0; i < labels.length; i++) {
            labelIndex.put(labels[i], i);
        }
        WordSegmenter segmenter = options.words() ? WordSegmenter.shared() : null;
        List<Map<String, Integer>> labelledCounts = examples.stream().map(e -> counts(e.text(), kw, segmenter)).toList();
        List<Map<String, Integer>> unlabelledCounts = unlabelled.stream().map(t -> counts(t, kw, segmenter)).toList();

        // Vocabulary and idf from every text we may look at, labelled or not.
        Map<String, Integer> df = new HashMap<>();
        for (List<Map<String, Integer>> docs : List.of(labelledCounts, unlabelledCounts)) {
            for (Map<String, Integer> d : docs) {
                d.keySet().forEach(f -> df.merge(f, 1, Integer::sum));
            }
        }
        int docs = labelledCounts.size() + unlabelledCounts.size();
        Map<String, Integer> vocab = new HashMap<>();
        List<Float> idfList = new ArrayList<>();
        for (Map.Entry<String, Integer> e : new TreeMap<>(df).entrySet()) {
            boolean keyword = isKeyword(e.getKey());
            if (e.getValue() >= options.minCount() || keyword) {
                vocab.put(e.getKey(), vocab.size());
                idfList.add((float) (Math.log((docs + 1.0) / (e.getValue() + 1.0)) + 1));
            }
        }
        float[] idf = new float[idfList.size()];
        for (int i = 0; i < idf.length; i++) {
            idf[i] = idfList.get(i);
        }

        List<Sparse> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        List<Double> ws = new ArrayList<>();
        int[] perClass = new int[labels.length];
        for (int i = 0; i < examples.size(); i++) {
            xs.add(vector(labelledCounts.get(i), vocab, idf));
            int y = labelIndex.get(examples.get(i).label());
            ys.add(y);
            perClass[y]++;
        }
        for (int i = 0; i < examples.size(); i++) {
            double w = options.balanced() ? examples.size() / (double) (labels.length * perClass[ys.get(i)]) : 1;
            ws.add(w);
        }
        float[] prior = prior(catalogue, labels, vocab);
        float[] weights = prior.clone();
        float[] bias = new float[labels.length];
        fit(xs, ys, ws, labels.length, weights, prior, bias, options);

        if (!unlabelledCounts.isEmpty() && options.selfTrainWeight() > 0) {
            int labelledSize = xs.size();
            for (Map<String, Integer> u : unlabelledCounts) {
                Sparse x = vector(u, vocab, idf);
                double[] p = softmax(x, labels.length, weights, bias);
                int best = 0;
                for (int c = 1; c < p.length; c++) {
                    if (p[c] > p[best]) {
                        best = c;
                    }
                }
                if (p[best] >= options.selfTrainThreshold()) {
                    xs.add(x);
                    ys.add(best);
                    ws.add(options.selfTrainWeight());
                }
            }
            if (xs.size() > labelledSize) {
                System.arraycopy(prior, 0, weights, 0, prior.length);
                Arrays.fill(bias, 0);
                fit(xs, ys, ws, labels.length, weights, prior, bias, options);
            }
        }
        return new TextClassifier(labelField, catalogue.version(), labels, vocab, idf, weights, bias, terms, options.words());
    }

    /**
     * The catalogue's knowledge as a prior on the weights: a keyword feature of a topic starts with
     * weight {@link #PRIOR_WEIGHT} for every label that names the topic (by code, label or alias), and
     * regularisation pulls towards that prior instead of towards zero. A class with eight examples is
     * thus still recognised by its catalogue words, while plenty of data can overrule the prior.
     */
    private static float[] prior(Catalogue catalogue, String[] labels, Map<String, Integer> vocab) {
        float[] prior = new float[vocab.size() * labels.length];
        for (int c = 0; c < labels.length; c++) {
            List<String> features = new ArrayList<>();
            catalogue.matching(catalogue.topics(), labels[c]).forEach(t -> features.add("k:" + t.code()));
            catalogue.matching(catalogue.requestTypes(), labels[c]).forEach(t -> features.add("r:" + t.code()));
            features.add("x:" + labels[c]);
            for (String feature : features) {
                Integer f = vocab.get(feature);
                if (f != null) {
                    prior[f * labels.length + c] = PRIOR_WEIGHT;
                }
            }
        }
        return prior;
    }

    /** Prior weight of a catalogue keyword for the labels naming its topic (0, 1, 3, 6 measured; 3 chosen). */
    static final float PRIOR_WEIGHT = 3f;

    /** Softmax regression by AdaGrad SGD with L2 regularisation towards {@code w0}, deterministic for a seed. */
    private static void fit(List<Sparse> xs, List<Integer> ys, List<Double> ws, int k, float[] w, float[] w0, float[] b,
                            Options o) {
        float[] gw = new float[w.length];
        float[] gb = new float[k];
        int[] order = new int[xs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random random = new Random(o.seed());
        double lr = o.learningRate();
        for (int epoch = 0; epoch < o.epochs(); epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int i : order) {
                Sparse x = xs.get(i);
                double[] p = softmax(x, k, w, b);
                int y = ys.get(i);
                double weight = ws.get(i);
                for (int c = 0; c < k; c++) {
                    double g = (p[c] - (c == y ? 1 : 0)) * weight;
                    gb[c] += (float) (g * g);
                    b[c] -= (float) (lr * g / Math.sqrt(gb[c] + 1e-8));
                    for (int n = 0; n < x.idx.length; n++) {
                        int at = x.idx[n] * k + c;
                        double gi = g * x.val[n] + o.l2() * (w[at] - w0[at]);
                        gw[at] += (float) (gi * gi);
                        w[at] -= (float) (lr * gi / Math.sqrt(gw[at] + 1e-8));
                    }
                }
            }
        }
    }

    /** Writes the model to {@code dir}/text-classifier.bin (the directory is created). */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(MAGIC);
            out.writeUTF(labelField);
            out.writeUTF(catalogueVersion);
            out.writeBoolean(segmenter != null);
            out.writeInt(labels.length);
            for (String l : labels) {
                out.writeUTF(l);
            }
            out.writeInt(keywordTerms.size());
            for (String[] t : keywordTerms) {
                out.writeUTF(t[0]);
                out.writeUTF(t[1]);
            }
            String[] byIndex = new String[vocab.size()];
            vocab.forEach((f, i) -> byIndex[i] = f);
            out.writeInt(byIndex.length);
            for (int f = 0; f < byIndex.length; f++) {
                out.writeUTF(byIndex[f]);
                out.writeFloat(idf[f]);
                for (int c = 0; c < labels.length; c++) {
                    out.writeFloat(weights[f * labels.length + c]);
                }
            }
            for (float v : bias) {
                out.writeFloat(v);
            }
        }
        Files.move(tmp, dir.resolve(FILE_NAME), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a model written by {@link #save}; a missing or damaged file is a {@link CatalogueException}. */
    public static TextClassifier load(Path dir) throws CatalogueException {
        Path file = Files.isDirectory(dir) ? dir.resolve(FILE_NAME) : dir;
        if (!Files.isRegularFile(file)) {
            throw new CatalogueException(file.toString(), List.of("no trained model here (run 'ivr train-nlu ... --out DIR')"));
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int magic = in.readInt();
            if (magic != MAGIC && magic != MAGIC_V1) {
                throw new CatalogueException(file.toString(), List.of("not a model written by 'ivr train-nlu'"));
            }
            String field = in.readUTF();
            String version = in.readUTF();
            boolean words = magic == MAGIC && in.readBoolean();
            String[] labels = new String[in.readInt()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = in.readUTF();
            }
            int nTerms = in.readInt();
            List<String[]> terms = new ArrayList<>(nTerms);
            for (int i = 0; i < nTerms; i++) {
                terms.add(new String[] {in.readUTF(), in.readUTF()});
            }
            int nFeatures = in.readInt();
            Map<String, Integer> vocab = new HashMap<>(nFeatures * 2);
            float[] idf = new float[nFeatures];
            float[] weights = new float[nFeatures * labels.length];
            for (int f = 0; f < nFeatures; f++) {
                vocab.put(in.readUTF(), f);
                idf[f] = in.readFloat();
                for (int c = 0; c < labels.length; c++) {
                    weights[f * labels.length + c] = in.readFloat();
                }
            }
            float[] bias = new float[labels.length];
            for (int c = 0; c < labels.length; c++) {
                bias[c] = in.readFloat();
            }
            return new TextClassifier(field, version, labels, vocab, idf, weights, bias, terms, words);
        } catch (java.io.EOFException e) {
            throw new CatalogueException(file.toString(), List.of("not a model written by 'ivr train-nlu', or cut short (the file ends early)"));
        } catch (IOException | RuntimeException e) {
            throw new CatalogueException(file.toString(), List.of("damaged model file: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
        }
    }
}
