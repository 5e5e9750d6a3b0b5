package cn.hotline.ivr.workorder;

import java.util.List;

/**
 * One classification of the caller's request (request type, urgency): a code from a fixed list, its
 * human label, how sure the classifier was (0..1) and the evidence behind it.
 */
public record Classified(String code, String label, double confidence, List<Evidence> evidence) {
    public Classified {
        code = Drafts.requireText(code, "code");
        label = label == null ? "" : label;
        Drafts.requireConfidence(confidence, "confidence");
        evidence = evidence == null ? List.of() : List.copyOf(evidence);
    }
}
