package cn.hotline.ivr.telephony;

import cn.hotline.ivr.understanding.PersonalData;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text a FastAGI peer sent that did not fit the protocol, made fit for one log line: cut short, and
 * every run of 7 or more digits masked whatever surrounds it. {@link PersonalData#mask} alone is not
 * enough here: it keeps decimals such as call ids whole, and a malformed uniqueid or reply has no
 * structure to trust ({@code 13912345678.1} is a phone number with a suffix, not a call id).
 */
final class PeerText {
    private static final Pattern DIGIT_RUN = Pattern.compile("[0-9]{7,}");

    private PeerText() {
    }

    /** {@code 'text'} masked and cut to {@code max} characters, then its full length. */
    static String quote(String text, int max) {
        String masked = PersonalData.mask(text);
        Matcher m = DIGIT_RUN.matcher(masked);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(PersonalData.maskNumber(m.group())));
        }
        m.appendTail(out);
        String shown = out.length() > max ? out.substring(0, max) + "..." : out.toString();
        return "'" + shown + "' (" + text.length() + " characters)";
    }
}
