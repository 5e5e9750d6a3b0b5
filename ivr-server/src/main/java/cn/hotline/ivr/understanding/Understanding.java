package cn.hotline.ivr.understanding;

import java.util.List;

/**
 * What the caller's words say, as an agent fills it in first: request type, topic and department,
 * region, emergency, a one-line summary and the key slots. Every part carries a confidence (0..1)
 * and the words it came from. Serialises with {@code Json.MAPPER} into the draft work order.
 *
 * @param catalogueVersion version of the dispatch catalogue that routed this call
 * @param textLength       characters understood (after capping)
 * @param truncated        the transcript was longer than {@link Text#MAX_CHARS} and was cut
 * @param note             why little or nothing was understood ("" when all is well)
 */
public record Understanding(
        String catalogueVersion,
        Choice requestType,
        Topic topic,
        Region region,
        Emergency emergency,
        String summary,
        List<Slot> slots,
        int textLength,
        boolean truncated,
        String note) {

    public Understanding {
        slots = List.copyOf(slots);
    }

    /** Code used when nothing can be said: the flow treats it as "ask an agent". */
    public static final String UNKNOWN = "unknown";

    /** A request type (or any code/label choice). */
    public record Choice(String code, String label, double confidence, String source, List<Evidence> evidence) {
        public Choice {
            evidence = List.copyOf(evidence);
        }

        public boolean unknown() {
            return UNKNOWN.equals(code);
        }
    }

    /** Topic and the department it is dispatched to; {@code code} is "unknown" below the threshold. */
    public record Topic(String code, String label, String department, String catalogueVersion, double confidence,
                        String source, List<Evidence> evidence) {
        public Topic {
            evidence = List.copyOf(evidence);
        }

        public boolean unknown() {
            return UNKNOWN.equals(code);
        }
    }

    /**
     * Where it happened. Codes are 统计用区划代码; a level not resolved is "". {@code source} is
     * {@code words} (named by the caller), {@code area-code} (only the landline prior: city at most) or
     * {@code none}.
     */
    public record Region(String provinceCode, String province, String cityCode, String city, String districtCode,
                         String district, String streetCode, String street, String source, double confidence,
                         List<Evidence> evidence) {
        public Region {
            evidence = List.copyOf(evidence);
        }

        public static Region none() {
            return new Region("", "", "", "", "", "", "", "", "none", 0, List.of());
        }

        public boolean hasDistrict() {
            return !districtCode.isEmpty();
        }
    }

    /** An emergency: which rule fired (code, term) and where the words are; {@code detected} false otherwise. */
    public record Emergency(boolean detected, String code, String label, String route, String rule, double confidence,
                            List<Evidence> evidence) {
        public Emergency {
            evidence = List.copyOf(evidence);
        }

        public static Emergency none() {
            return new Emergency(false, "", "", "", "", 0, List.of());
        }
    }

    /** A value an agent types first: address or landmark, time, amount, ID, plate or phone number. */
    public record Slot(String kind, String value, double confidence, Evidence evidence) {
    }
}
