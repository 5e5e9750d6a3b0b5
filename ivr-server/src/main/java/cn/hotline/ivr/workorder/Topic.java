package cn.hotline.ivr.workorder;

import java.util.List;

/**
 * What the request is about and which department handles it, as decided by one version of the
 * dispatch catalogue (the version travels with the draft so a later catalogue change can be audited).
 */
public record Topic(
        String code,
        String label,
        String departmentCode,
        String departmentName,
        String catalogueVersion,
        double confidence,
        List<Evidence> evidence) {
    public Topic {
        code = Drafts.requireText(code, "topic code");
        label = label == null ? "" : label;
        departmentCode = departmentCode == null ? "" : departmentCode;
        departmentName = departmentName == null ? "" : departmentName;
        catalogueVersion = Drafts.requireText(catalogueVersion, "catalogueVersion");
        Drafts.requireConfidence(confidence, "topic confidence");
        evidence = evidence == null ? List.of() : List.copyOf(evidence);
    }
}
