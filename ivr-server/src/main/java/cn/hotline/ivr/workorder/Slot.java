package cn.hotline.ivr.workorder;

import java.util.List;

/**
 * One key detail an agent types first, as the caller said it: an address or landmark, a time, an
 * amount, a plate, ID or phone number. {@code value} is the caller's own words (personal numbers
 * included: the draft goes to the ticket system, never to a log).
 *
 * @param kind address, landmark, time, amount, plate, id_number, phone, bank_card, number, ...
 */
public record Slot(String kind, String value, double confidence, List<Evidence> evidence) {
    public Slot {
        kind = Drafts.requireText(kind, "slot kind");
        value = value == null ? "" : value;
        Drafts.requireConfidence(confidence, "slot confidence");
        evidence = evidence == null ? List.of() : List.copyOf(evidence);
    }
}
