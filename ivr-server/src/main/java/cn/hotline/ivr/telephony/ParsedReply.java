package cn.hotline.ivr.telephony;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.asteriskjava.fastagi.reply.AgiReply;

/**
 * A successful ({@code 200 result=...}) reply as {@link AgiReplyReader} framed it. Asterisk-Java's own
 * reply class cannot be built outside the library, so the few fields the channel reads are parsed here
 * with the library's rules: the result is the token after {@code result=} (empty when none), the
 * result code that token as a number (-1 when it is not one), the extra the text in parentheses after
 * it, and attributes the {@code key=value} words after that.
 */
record ParsedReply(String firstLine) implements AgiReply {
    private static final Pattern RESULT = Pattern.compile("^200 result=(\\S+)");
    private static final Pattern PARENTHESIS = Pattern.compile("^200 result=\\S* +\\((.*)\\)");
    private static final Pattern ATTRIBUTES = Pattern.compile("^200 result=\\S* +(\\(.*\\) )?(.+)$");

    @Override
    public String getFirstLine() {
        return firstLine;
    }

    @Override
    public List<String> getLines() {
        return List.of(firstLine);
    }

    @Override
    public int getResultCode() {
        try {
            return Integer.parseInt(getResult());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public char getResultCodeAsChar() {
        int code = getResultCode();
        return code < 0 ? 0 : (char) code;
    }

    @Override
    public String getResult() {
        Matcher m = RESULT.matcher(firstLine);
        return m.find() ? m.group(1) : "";
    }

    @Override
    public int getStatus() {
        return SC_SUCCESS;
    }

    @Override
    public String getAttribute(String name) {
        if ("result".equalsIgnoreCase(name)) {
            return getResult();
        }
        return attributes().get(name.toLowerCase(Locale.ROOT));
    }

    private Map<String, String> attributes() {
        Map<String, String> attributes = new HashMap<>();
        Matcher m = ATTRIBUTES.matcher(firstLine);
        if (m.find()) {
            for (String word : m.group(2).trim().split("\\s+")) {
                int eq = word.indexOf('=');
                if (eq > 0) {
                    attributes.put(word.substring(0, eq).toLowerCase(Locale.ROOT), word.substring(eq + 1));
                }
            }
        }
        return attributes;
    }

    @Override
    public String getExtra() {
        Matcher m = PARENTHESIS.matcher(firstLine);
        return m.find() ? m.group(1) : null;
    }

    @Override
    public String getSynopsis() {
        return null;
    }

    @Override
    public String getUsage() {
        return null;
    }
}
