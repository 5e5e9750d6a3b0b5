package cn.hotline.ivr.workorder;

import java.util.regex.Pattern;

/** Validation shared by the draft's records: bad values fail at construction with the field name. */
final class Drafts {
    /** Asterisk unique ids ({@code 1795448040.1}, optionally prefixed with a system name) fit; so do URLs and headers. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private Drafts() {
    }

    static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is required");
        }
        return value;
    }

    static void requireConfidence(double value, String what) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(what + " must be between 0 and 1, got " + value);
        }
    }

    static String requireId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("draft id must be the call id (1-128 of A-Z a-z 0-9 . _ : -), got '" + id + "'");
        }
        return id;
    }
}
