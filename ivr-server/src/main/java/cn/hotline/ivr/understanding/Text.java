package cn.hotline.ivr.understanding;

/**
 * Text preparation shared by every part of understanding. All transformations keep the length, so an
 * offset into the prepared text is an offset into the transcript the caller's words came from.
 */
public final class Text {
    /** Longer input is cut here: a caller's description never needs more, and time stays bounded. */
    public static final int MAX_CHARS = 2000;

    private Text() {
    }

    /** Caps the transcript at {@link #MAX_CHARS} (never splitting a surrogate pair) and strips it. */
    public static String cap(String text) {
        if (text == null) {
            return "";
        }
        String s = text.strip();
        if (s.length() <= MAX_CHARS) {
            return s;
        }
        int end = MAX_CHARS;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Full-width forms to ASCII, ASCII letters to lower case; one char in, one char out. */
    public static String fold(String text) {
        char[] c = text.toCharArray();
        for (int i = 0; i < c.length; i++) {
            char ch = c[i];
            if (ch >= '\uFF01' && ch <= '\uFF5E') {
                ch = (char) (ch - 0xFEE0);
            } else if (ch == '\u3000') {
                ch = ' ';
            }
            if (ch >= 'A' && ch <= 'Z') {
                ch = (char) (ch + 32);
            }
            c[i] = ch;
        }
        return new String(c);
    }

    /** A character that carries meaning: a letter (Han included) or a digit. */
    public static boolean isWordChar(char ch) {
        return Character.isLetterOrDigit(ch);
    }

    /** True when the text has nothing but punctuation, spaces and symbols. */
    public static boolean isBlank(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isWordChar(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * What a recognizer would give for a written message: punctuation and spaces removed, first
     * {@code limit} characters. Used to measure models on speech-like input.
     */
    public static String recognizerLike(String text, int limit) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && b.length() < limit; i++) {
            char ch = text.charAt(i);
            if (isWordChar(ch)) {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
