package cn.hotline.ivr.workorder;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;

/**
 * A realistic, fully filled draft (a water-supply complaint in Shenzhen's Futian district) for the
 * benchmark, the demo and tests; the id and creation time are given so runs can be repeated.
 */
public final class SampleDrafts {
    private static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
    private static final String TRANSCRIPT = "你好，我家住在福田区莲花街道，从昨天晚上开始一直停水，到现在还没有来水，家里有老人，请尽快安排处理。";

    private SampleDrafts() {
    }

    public static Draft complaint(String id, Instant createdAt) {
        return withTranscript(id, createdAt, TRANSCRIPT);
    }

    public static Draft withTranscript(String id, Instant createdAt, String transcript) {
        Call call = new Call("13800138000", "PJSIP/trunk-12345", "12345",
                OffsetDateTime.ofInstant(createdAt.minusSeconds(40), ZONE), ZONE.getId(), "zh-CN");
        Intake intake = new Intake(Intake.Outcome.COMPLETED, "COMPLETED", "", transcript, 0.87, 9_400);
        int water = Math.max(0, transcript.indexOf("停水"));
        Classified type = new Classified("complaint", "投诉", 0.74,
                List.of(new Evidence(transcript.substring(water, Math.min(transcript.length(), water + 2)), water, Math.min(transcript.length(), water + 2))));
        Topic topic = new Topic("water-supply", "供水", "SZ-WATER", "深圳市水务局", "2026.11-1", 0.81,
                List.of(new Evidence("停水", water, water + 2)));
        int district = Math.max(0, transcript.indexOf("福田区"));
        Region region = new Region("440000", "广东省", "440300", "深圳市", "440304", "福田区", Region.Source.SPEECH, 0.92,
                List.of(new Evidence("福田区", district, district + 3)));
        int elderly = transcript.indexOf("家里有老人");
        Classified urgency = new Classified("urgent", "紧急", 0.6, List.of(elderly < 0
                ? Evidence.outside("家里有老人") : new Evidence("家里有老人", elderly, elderly + 5)));
        return new Draft(Draft.SCHEMA_VERSION, id, createdAt, call, intake, type, topic, region, urgency,
                "福田区莲花街道停水超过12小时，家中有老人",
                List.of(new Slot("time", "12小时", 0.8, List.of(new Evidence("12小时", 9, 13)))));
    }
}
