package cn.hotline.ivr.agent;

import java.util.List;

/**
 * What the agent sees when a call arrives: the draft work order flattened for display. The work-order
 * room builds it from its draft ({@link DraftLookup}); this room only shows it.
 *
 * @param callId               Asterisk's Uniqueid of the caller channel ({@code agi_uniqueid})
 * @param draftId              the draft's id (what {@code IVR_DRAFT_ID} carries)
 * @param callerNumber         the caller id, unmasked: the agent needs it, and the desk is authenticated
 * @param receivedAt           when the call arrived, ISO-8601 with offset ("" when unknown)
 * @param transcript           what the caller said during intake ("" when intake was skipped)
 * @param transcriptConfidence recognizer confidence 0..1
 * @param intake               how intake ended: completed, preempted, skipped (with the reason)
 * @param emergency            true when the understanding room flagged an emergency
 * @param fields               pre-filled fields in display order (request type, topic, department,
 *                             region, urgency, summary, slots ...)
 */
public record ScreenPop(String callId, String draftId, String callerNumber, String receivedAt, String transcript,
                        double transcriptConfidence, String intake, boolean emergency, List<Field> fields) {

    public ScreenPop {
        fields = List.copyOf(fields);
    }

    /**
     * One pre-filled field.
     *
     * @param key        stable name ({@code requestType}, {@code topic}, {@code department}, {@code region},
     *                   {@code urgency}, {@code summary}, or a slot name); also the CTI variable suffix
     * @param label      what the page shows ({@code 诉求类型})
     * @param value      the human-readable value ({@code 投诉})
     * @param code       the machine value for CTI ({@code COMPLAINT}, a division code); "" when none
     * @param confidence 0..1
     * @param evidence   the transcript spans that led to the value
     */
    public record Field(String key, String label, String value, String code, double confidence, List<Span> evidence) {
        public Field {
            evidence = List.copyOf(evidence);
            if (confidence < 0 || confidence > 1 || Double.isNaN(confidence)) {
                throw new IllegalArgumentException("confidence of field " + key + " must be between 0 and 1, got " + confidence);
            }
        }
    }

    /** A span of the transcript, {@code [start, end)} in UTF-16 units (Java and JavaScript string indices). */
    public record Span(int start, int end) {
        public Span {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("evidence span must satisfy 0 <= start <= end, got " + start + ".." + end);
            }
        }
    }
}
