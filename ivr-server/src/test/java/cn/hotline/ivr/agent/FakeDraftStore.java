package cn.hotline.ivr.agent;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A draft store for tests: drafts put in by hand; can be told to fail or to be slow. */
final class FakeDraftStore implements DraftLookup {
    final Map<String, ScreenPop> drafts = new ConcurrentHashMap<>();
    volatile String failure;
    volatile long delayMillis;

    @Override
    public Optional<ScreenPop> find(String callId) throws Exception {
        if (delayMillis > 0) {
            Thread.sleep(delayMillis);
        }
        if (failure != null) {
            throw new java.io.IOException(failure);
        }
        return Optional.ofNullable(drafts.get(callId));
    }

    /** A draft as the work-order room would flatten it: a water outage complaint in 朝阳区. */
    static ScreenPop waterOutage(String callId) {
        String transcript = "我家小区从昨天开始停水了，在朝阳区望京街道，一直没人管";
        return new ScreenPop(callId, "D-" + callId, "13800000001", "2026-11-23T09:14:22+08:00", transcript, 0.91,
                "completed", false, List.of(
                new ScreenPop.Field("requestType", "诉求类型", "投诉", "COMPLAINT", 0.86, List.of(new ScreenPop.Span(22, 27))),
                new ScreenPop.Field("topic", "问题分类", "供水-停水", "WATER_OUTAGE", 0.93, List.of(new ScreenPop.Span(9, 11))),
                new ScreenPop.Field("department", "承办部门", "区水务局", "DEPT_WATER", 0.88, List.of()),
                new ScreenPop.Field("region", "发生地", "北京市朝阳区望京街道", "110105", 0.77, List.of(new ScreenPop.Span(14, 21))),
                new ScreenPop.Field("urgency", "紧急程度", "一般", "NORMAL", 0.42, List.of()),
                new ScreenPop.Field("summary", "摘要", "小区停水一天无人处理", "", 0.7, List.of())));
    }
}
