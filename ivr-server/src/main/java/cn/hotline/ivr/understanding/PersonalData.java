package cn.hotline.ivr.understanding;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks personal data before anything is logged or exported as a metric label.
 * One utility, used everywhere a caller number or transcript reaches a log.
 */
public final class PersonalData {
    // Longest runs first so an 18-digit ID is not eaten as a phone number.
    private static final Pattern DIGIT_RUN = Pattern.compile("(?<![0-9])[0-9][0-9 -]{5,}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{7,}(?![0-9])");

    private PersonalData() {
    }

    /** A phone number for a log line: keeps the first 3 and last 4 digits ({@code 138****8000}). */
    public static String maskNumber(String number) {
        if (number == null || number.isEmpty()) {
            return "";
        }
        String digits = number.strip();
        if (digits.length() <= 4) {
            return "*".repeat(digits.length());
        }
        if (digits.length() <= 7) {
            return "*".repeat(digits.length() - 2) + digits.substring(digits.length() - 2);
        }
        return digits.substring(0, 3) + "*".repeat(digits.length() - 7) + digits.substring(digits.length() - 4);
    }

    /** Free text (a transcript) with every long digit run masked. */
    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        Matcher m = DIGIT_RUN.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String run = m.group().replaceAll("[ -]", "");
            m.appendReplacement(out, Matcher.quoteReplacement(maskNumber(run)));
        }
        m.appendTail(out);
        return out.toString();
    }
}
