package cn.hotline.ivr.understanding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds and masks personal data before anything is logged or exported as a metric label: resident
 * ID numbers (18 digits, checksum verified), mobile and landline numbers, bank card numbers (Luhn
 * verified), and any other long digit run (safer masked than not). Digits spoken as Chinese numerals
 * (幺三八…, as a recognizer writes them) count as digits. One utility, used everywhere a caller number
 * or transcript reaches a log.
 */
public final class PersonalData {
    /** What a number looks like. */
    public enum Kind { ID_NUMBER, MOBILE, LANDLINE, BANK_CARD, NUMBER }

    /** One personal number in a text: kind, offsets in the text, and its digits (separators removed). */
    public record Found(Kind kind, int start, int end, String digits) {
    }

    private static final String DIGIT = "[0-9０-９零〇一二三四五六七八九幺两]";
    /** A run of at least 7 digits, allowing single spaces or hyphens between groups; an ID may end in X. */
    /*
     * Not part of a decimal number ("1796538534.28767", an Asterisk call id, or an amount): the
     * lookarounds keep those whole, so log lines stay readable and call ids stay searchable.
     */
    private static final Pattern RUN = Pattern.compile(
            "(?<![0-9０-９])(?<![0-9][.])" + DIGIT + "(?:[ -]?" + DIGIT + "){5,}(?:[ -]?(?:" + DIGIT + "|[Xx]))"
                    + "(?![0-9０-９])(?![.][0-9])");
    /** An ISO date (2026-12-06), as in timestamps: eight digits, but never a phone number. */
    private static final Pattern ISO_DATE = Pattern.compile("(?:19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]");
    private static final int[] ID_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final String ID_CHECK = "10X98765432";

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

    /** Free text (a transcript) with every personal number masked; everything else unchanged. */
    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        List<Found> found = find(text);
        if (found.isEmpty()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (Found f : found) {
            out.append(text, at, f.start()).append(masked(f));
            at = f.end();
        }
        return out.append(text, at, text.length()).toString();
    }

    /**
     * The text with every personal number, and the words announcing it right before it (电话, 手机号是,
     * 身份证号码), replaced by {@code fill}: same length, so offsets still point into the caller's words.
     * A phone or card number says nothing about what the call is about, yet its digits contain catalogue
     * terms (138<b>12345</b>678), its cue words are catalogue terms too (身份证 of 户籍), and its n-grams
     * are noise to a classifier: topic, request type and summary are read from this text.
     */
    public static String blank(String text, char fill) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        List<Found> found = find(text);
        if (found.isEmpty()) {
            return text;
        }
        char[] c = text.toCharArray();
        for (Found f : found) {
            int from = Math.max(0, f.start() - 12);
            Matcher cue = NUMBER_CUE.matcher(text.substring(from, f.start()));
            Arrays.fill(c, cue.find() ? from + cue.start() : f.start(), f.end(), fill);
        }
        return new String(c);
    }

    /** Words that announce a personal number, ending right before it. */
    private static final Pattern NUMBER_CUE = Pattern.compile(
            "(?:我的|本人的?|我)?(?:联系)?(?:电话号码|电话号|电话|手机号码|手机号|手机|号码|身份证号码|身份证号|身份证"
                    + "|银行卡号|银行卡|卡号|座机号码?|座机|固话)(?:是|为)?[:：]?\\s*$");

    private static String masked(Found f) {
        String d = f.digits();
        return switch (f.kind()) {
            // ID and card numbers identify a person on their own: only the last 4 stay.
            case ID_NUMBER, BANK_CARD -> "*".repeat(d.length() - 4) + d.substring(d.length() - 4);
            case MOBILE, LANDLINE, NUMBER -> maskNumber(d);
        };
    }

    /** Every personal number in {@code text}, in order. */
    public static List<Found> find(String text) {
        List<Found> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        Matcher m = RUN.matcher(text);
        while (m.find()) {
            if (ISO_DATE.matcher(m.group()).matches()) {
                continue;
            }
            String digits = digits(m.group());
            out.add(new Found(kind(digits), m.start(), m.end(), digits));
        }
        return out;
    }

    private static String digits(String run) {
        StringBuilder b = new StringBuilder(run.length());
        for (int i = 0; i < run.length(); i++) {
            char c = run.charAt(i);
            int d = "零〇一二三四五六七八九".indexOf(c);
            if (c >= '0' && c <= '9') {
                b.append(c);
            } else if (c >= '０' && c <= '９') {
                b.append((char) (c - '０' + '0'));
            } else if (d >= 0) {
                b.append(d == 0 ? '0' : (char) ('0' + d - 1));
            } else if (c == '幺') {
                b.append('1');
            } else if (c == '两') {
                b.append('2');
            } else if (c == 'x' || c == 'X') {
                b.append('X');
            }
        }
        return b.toString();
    }

    static Kind kind(String digits) {
        int n = digits.length();
        if (n == 18 && isIdNumber(digits)) {
            return Kind.ID_NUMBER;
        }
        if (digits.indexOf('X') >= 0) {
            return Kind.NUMBER;
        }
        if (n == 11 && digits.charAt(0) == '1' && digits.charAt(1) >= '3') {
            return Kind.MOBILE;
        }
        if ((n == 10 || n == 11 || n == 12) && digits.charAt(0) == '0' && digits.charAt(1) != '0') {
            return Kind.LANDLINE;
        }
        if (n == 7 || n == 8) {
            return Kind.LANDLINE;
        }
        if (n >= 15 && n <= 19 && isLuhn(digits)) {
            return Kind.BANK_CARD;
        }
        return Kind.NUMBER;
    }

    /** An 18-character resident ID number whose check character (ISO 7064 MOD 11-2) is right. */
    public static boolean isIdNumber(String id) {
        if (id == null || id.length() != 18) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            sum += (c - '0') * ID_WEIGHTS[i];
        }
        return Character.toUpperCase(id.charAt(17)) == ID_CHECK.charAt(sum % 11);
    }

    /** The Luhn check used by bank card numbers. */
    public static boolean isLuhn(String number) {
        if (number == null || number.length() < 2) {
            return false;
        }
        int sum = 0;
        boolean doubled = false;
        for (int i = number.length() - 1; i >= 0; i--) {
            char c = number.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            int d = c - '0';
            if (doubled) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }
}
