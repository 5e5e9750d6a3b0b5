package cn.hotline.ivr.agent;

import cn.hotline.ivr.understanding.PersonalData;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Channel variables for CTI systems that read variables instead of the screen pop:
 * {@code IVR_DRAFT_ID}, {@code IVR_EMERGENCY}, and one {@code IVR_<FIELD>} per field (the machine code
 * when there is one, otherwise the value): {@code IVR_REQUESTTYPE}, {@code IVR_DEPARTMENT},
 * {@code IVR_REGION}, {@code IVR_URGENCY}, ... The flow sets them with SET VARIABLE before Queue(),
 * so they are on the caller channel when an agent answers (AMI shows them with {@code channelvars}).
 */
public final class CtiVariables {
    /** Long enough for a summary line, short enough for any CTI's variable buffer. */
    static final int MAX_VALUE = 128;

    private CtiVariables() {
    }

    public static Map<String, String> of(ScreenPop pop) {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("IVR_DRAFT_ID", clean(pop.draftId()));
        vars.put("IVR_EMERGENCY", pop.emergency() ? "1" : "0");
        for (ScreenPop.Field f : pop.fields()) {
            String name = "IVR_" + f.key().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
            // Channel variables travel in AGI and AMI traffic and Asterisk's logs, and any AMI client
            // may read them: personal numbers stay masked there; the screen pop carries them whole.
            vars.put(name, clean(PersonalData.mask(f.code().isEmpty() ? f.value() : f.code())));
        }
        return vars;
    }

    /** One line, no quotes or backslashes (they would break the AGI command line), bounded length. */
    static String clean(String value) {
        String v = value == null ? "" : value.replaceAll("[\\r\\n\\t\"\\\\]", " ").strip();
        return v.length() <= MAX_VALUE ? v : v.substring(0, MAX_VALUE);
    }
}
