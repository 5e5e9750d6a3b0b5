package cn.hotline.ivr.workorder;

import java.util.List;

/**
 * Where the problem happened, down to the finest level that could be resolved (codes from the
 * national administrative division tables; finer levels empty when unknown), and where that came
 * from: what the caller said, the caller number's area code, or the line's default.
 */
public record Region(
        String provinceCode,
        String provinceName,
        String cityCode,
        String cityName,
        String districtCode,
        String districtName,
        Source source,
        double confidence,
        List<Evidence> evidence) {

    public enum Source {
        /** Named by the caller. */
        SPEECH,
        /** Derived from the caller number (area code or mobile number segment). */
        CALLER_NUMBER,
        /** The default region of the line the call came in on. */
        LINE_DEFAULT,
        /** Nothing to go on. */
        UNKNOWN
    }

    public Region {
        provinceCode = provinceCode == null ? "" : provinceCode;
        provinceName = provinceName == null ? "" : provinceName;
        cityCode = cityCode == null ? "" : cityCode;
        cityName = cityName == null ? "" : cityName;
        districtCode = districtCode == null ? "" : districtCode;
        districtName = districtName == null ? "" : districtName;
        source = source == null ? Source.UNKNOWN : source;
        Drafts.requireConfidence(confidence, "region confidence");
        evidence = evidence == null ? List.of() : List.copyOf(evidence);
    }
}
