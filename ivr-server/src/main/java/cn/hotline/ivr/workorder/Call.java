package cn.hotline.ivr.workorder;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.time.OffsetDateTime;

/**
 * The call as Asterisk reported it.
 *
 * @param callerNumber the caller id ({@code agi_callerid}); empty when withheld
 * @param line         the line/trunk the call came in on (channel technology and endpoint, e.g. {@code PJSIP/trunk-12345})
 * @param dialled      the number dialled ({@code agi_dnid}), normally 12345
 * @param receivedAt   when the call reached the server, with the offset of {@code timeZone}
 * @param timeZone     the IANA zone the hotline operates in (e.g. {@code Asia/Shanghai})
 * @param language     the language the caller was served in (BCP 47, e.g. {@code zh-CN})
 */
public record Call(
        String callerNumber,
        String line,
        String dialled,
        // Keep the offset the call was received with instead of normalising to UTC on read,
        // so a draft read back equals the draft written and agents see local time.
        @JsonFormat(without = JsonFormat.Feature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE) OffsetDateTime receivedAt,
        String timeZone,
        String language) {
    public Call {
        callerNumber = callerNumber == null ? "" : callerNumber;
        line = line == null ? "" : line;
        dialled = dialled == null ? "" : dialled;
        if (receivedAt == null) {
            throw new IllegalArgumentException("receivedAt is required");
        }
        timeZone = Drafts.requireText(timeZone, "timeZone");
        language = Drafts.requireText(language, "language");
    }
}
