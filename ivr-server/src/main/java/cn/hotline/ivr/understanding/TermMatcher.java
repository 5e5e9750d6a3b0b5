package cn.hotline.ivr.understanding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds many fixed terms in a text in one pass: terms are indexed by first character and tried
 * longest first at every position. Each term carries an owner (a topic, a rule, a division).
 */
final class TermMatcher<T> {
    /** One occurrence: the term, who owns it, and where it is. */
    record Hit<T>(String term, T owner, int start, int end) {
    }

    private record Term<T>(String text, T owner) {
    }

    private final Map<Character, List<Term<T>>> byFirst = new HashMap<>();

    void add(String term, T owner) {
        String t = Text.fold(term);
        if (t.isEmpty()) {
            return;
        }
        byFirst.computeIfAbsent(t.charAt(0), k -> new ArrayList<>()).add(new Term<>(t, owner));
    }

    /** Call once after the last {@link #add}. */
    TermMatcher<T> build() {
        byFirst.values().forEach(l -> l.sort(Comparator.comparingInt((Term<T> x) -> x.text().length()).reversed()));
        return this;
    }

    /**
     * Every occurrence in {@code folded} (a {@link Text#fold}ed text). With {@code longestOnly}, at
     * each position only the longest terms match and shorter terms inside an earlier match are skipped.
     */
    List<Hit<T>> find(String folded, boolean longestOnly) {
        List<Hit<T>> hits = new ArrayList<>();
        int coveredTo = 0;
        for (int i = 0; i < folded.length(); i++) {
            List<Term<T>> candidates = byFirst.get(folded.charAt(i));
            if (candidates == null) {
                continue;
            }
            int matchedLength = -1;
            for (Term<T> t : candidates) {
                int len = t.text().length();
                if (longestOnly && matchedLength > 0 && len < matchedLength) {
                    break;
                }
                if (folded.startsWith(t.text(), i) && atDigitBoundary(folded, t.text(), i)) {
                    if (longestOnly && i + len <= coveredTo) {
                        break;
                    }
                    hits.add(new Hit<>(t.text(), t.owner(), i, i + len));
                    matchedLength = len;
                }
            }
            if (matchedLength > 0) {
                coveredTo = Math.max(coveredTo, i + matchedLength);
            }
        }
        return hits;
    }

    /**
     * A term that starts (ends) with a digit matches only where the text's digit run starts (ends):
     * {@code 12345} is the hotline's number, not the middle of 13812345678.
     */
    private static boolean atDigitBoundary(String folded, String term, int at) {
        int end = at + term.length();
        if (isDigit(term.charAt(0)) && at > 0 && isDigit(folded.charAt(at - 1))) {
            return false;
        }
        return !(isDigit(term.charAt(term.length() - 1)) && end < folded.length() && isDigit(folded.charAt(end)));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';   // full-width digits are folded to these
    }
}
