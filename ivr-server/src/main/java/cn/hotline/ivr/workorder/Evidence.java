package cn.hotline.ivr.workorder;

/**
 * The words that led to a field: a span of the transcript ({@code start}..{@code end}, character
 * offsets, end exclusive), or a value from somewhere else (the caller number's area code, the line
 * configuration) with {@code start = end = -1}.
 */
public record Evidence(String text, int start, int end) {
    public Evidence {
        text = text == null ? "" : text;
        if (start < -1 || end < start) {
            throw new IllegalArgumentException("evidence span must be -1..-1 or 0 <= start <= end, got " + start + ".." + end);
        }
    }

    /** Evidence that is not a span of the transcript. */
    public static Evidence outside(String text) {
        return new Evidence(text, -1, -1);
    }
}
