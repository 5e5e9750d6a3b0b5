package cn.hotline.ivr.understanding;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chinese word segmentation by the most probable path through the dictionary's words (jieba's
 * algorithm without its HMM for unknown words: those stay single characters, which the character
 * n-grams already cover). The dictionary is jieba's {@code dict.txt} (349k words with counts), read from
 * the com.huaban:jieba-analysis jar on the class path; only the data is used, not that library's code,
 * which prints to standard output when it loads.
 */
final class WordSegmenter {
    static final String DICTIONARY = "/dict.txt";
    /** Longest dictionary word we look for; longer entries (idioms, names) are rare in calls. */
    private static final int MAX_WORD = 6;

    private final Map<String, Float> logProbability;
    private final float unknown;

    private WordSegmenter(Map<String, Float> logProbability, float unknown) {
        this.logProbability = logProbability;
        this.unknown = unknown;
    }

    /** The shared instance, loaded on first use (about a second; only models trained with words use it). */
    static WordSegmenter shared() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final WordSegmenter INSTANCE = load();
    }

    private static WordSegmenter load() {
        try (BufferedReader reader = dictionary()) {
            Map<String, Long> counts = new HashMap<>(400_000);
            long total = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] parts = line.split(" ");
                if (parts.length < 2 || parts[0].length() > MAX_WORD) {
                    continue;
                }
                long count = Long.parseLong(parts[1]);
                counts.merge(Text.fold(parts[0]), count, Long::sum);
                total += count;
            }
            double logTotal = Math.log(total);
            Map<String, Float> logp = new HashMap<>(counts.size() * 2);
            counts.forEach((w, c) -> logp.put(w, (float) (Math.log(c) - logTotal)));
            return new WordSegmenter(logp, (float) (Math.log(1) - logTotal));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read word dictionary " + DICTIONARY, e);
        }
    }

    /**
     * Which of {@code candidates} (folded) are words of the dictionary: one pass over the file, nothing kept
     * but the answer (a few hundred milliseconds; the segmenter itself is not loaded).
     */
    static Set<String> known(Set<String> candidates) {
        Set<String> found = new HashSet<>();
        int longest = candidates.stream().mapToInt(String::length).max().orElse(0);
        try (BufferedReader reader = dictionary()) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                int space = line.indexOf(' ');
                int length = space < 0 ? line.length() : space;
                if (length > longest) {
                    continue; // most entries: not worth folding
                }
                String word = Text.fold(line.substring(0, length));
                if (candidates.contains(word)) {
                    found.add(word);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read word dictionary " + DICTIONARY, e);
        }
        return found;
    }

    private static BufferedReader dictionary() {
        InputStream in = WordSegmenter.class.getResourceAsStream(DICTIONARY);
        if (in == null) {
            throw new IllegalStateException("word dictionary " + DICTIONARY
                    + " not on the class path (it comes with com.huaban:jieba-analysis; rebuild the server)");
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /**
     * The words of length ≥ 2 in {@code text} (already folded), on the most probable segmentation of each
     * run of word characters. Single characters are not returned: the n-grams have them.
     */
    List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            boolean word = i < text.length() && Text.isWordChar(text.charAt(i));
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                segment(text, start, i, out);
                start = -1;
            }
        }
        return out;
    }

    /** Dynamic programming from the right, as jieba does: best[i] = best score of text[i..end). */
    private void segment(String text, int from, int to, List<String> out) {
        int n = to - from;
        float[] best = new float[n + 1];
        int[] next = new int[n + 1];
        for (int i = n - 1; i >= 0; i--) {
            best[i] = unknown + best[i + 1];
            next[i] = i + 1;
            Float single = logProbability.get(text.substring(from + i, from + i + 1));
            if (single != null) {
                best[i] = single + best[i + 1];
            }
            for (int len = 2; len <= MAX_WORD && i + len <= n; len++) {
                Float lp = logProbability.get(text.substring(from + i, from + i + len));
                if (lp != null && lp + best[i + len] > best[i]) {
                    best[i] = lp + best[i + len];
                    next[i] = i + len;
                }
            }
        }
        for (int i = 0; i < n; i = next[i]) {
            if (next[i] - i >= 2) {
                out.add(text.substring(from + i, from + next[i]));
            }
        }
    }
}
