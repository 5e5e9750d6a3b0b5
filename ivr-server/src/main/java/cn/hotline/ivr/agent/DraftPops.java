package cn.hotline.ivr.agent;

import cn.hotline.ivr.workorder.Classified;
import cn.hotline.ivr.workorder.Draft;
import cn.hotline.ivr.workorder.DraftWriter;
import cn.hotline.ivr.workorder.Evidence;
import cn.hotline.ivr.workorder.Outbox;
import cn.hotline.ivr.workorder.Region;
import cn.hotline.ivr.workorder.Slot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Screen pops from the outbox's local store, never from the ticket backend, so an agent sees the
 * draft even while the backend is down; and the same fields as channel variables for CTI systems.
 */
public final class DraftPops implements DraftLookup {
    private static final Map<String, String> SLOT_LABELS = Map.ofEntries(Map.entry("address", "地址"),
            Map.entry("landmark", "地标"), Map.entry("time", "时间"), Map.entry("amount", "金额"), Map.entry("plate", "车牌"),
            Map.entry("id_number", "身份证号"), Map.entry("phone", "电话"), Map.entry("bank_card", "银行卡号"),
            Map.entry("number", "号码"),
            // the understanding room's slot kinds as they reach a draft
            Map.entry("id-number", "身份证号"), Map.entry("bank-card", "银行卡号"));
    /** Every field key a pop can carry: what a desk may send a correction for. */
    static final Set<String> FIELD_KEYS = Stream.concat(
            Stream.of("requestType", "topic", "department", "region", "urgency", "summary"),
            SLOT_LABELS.keySet().stream()).collect(Collectors.toUnmodifiableSet());
    private final Outbox outbox;

    public DraftPops(Outbox outbox) {
        this.outbox = outbox;
    }

    @Override
    public Optional<ScreenPop> find(String callId) {
        return outbox.find(callId).map(DraftPops::pop);
    }

    /**
     * When two calls share a Uniqueid (two Asterisk servers without {@code systemname}), DraftWriter keeps
     * the second under {@code <call id>-2} ... {@code -9}; the one under the call id may then be another
     * caller's. With more than one candidate the caller's number decides, and no match is no draft: the
     * agent must never see a stranger's words and numbers.
     */
    @Override
    public Optional<ScreenPop> find(String callId, String callerNumber) {
        List<Draft> candidates = DraftWriter.draftsUnder(outbox, callId);
        if (candidates.size() <= 1) {
            return candidates.stream().findFirst().map(DraftPops::pop);
        }
        String number = callerNumber == null ? "" : callerNumber;
        return candidates.stream().filter(d -> d.call().callerNumber().equals(number))
                .max(java.util.Comparator.comparing(Draft::createdAt)).map(DraftPops::pop);
    }

    /** The CTI variables for a draft: {@code IVR_DRAFT_ID}, {@code IVR_REQUESTTYPE}, {@code IVR_DEPARTMENT}, ... */
    public static Map<String, String> channelVariables(Draft draft) {
        return CtiVariables.of(pop(draft));
    }

    /** The draft flattened for the agent's page, fields in the order an agent fills them in. */
    public static ScreenPop pop(Draft d) {
        List<ScreenPop.Field> fields = new ArrayList<>();
        if (d.requestType() != null) {
            fields.add(field("requestType", "诉求类型", d.requestType()));
        }
        if (d.topic() != null) {
            fields.add(new ScreenPop.Field("topic", "事项分类", d.topic().label(), d.topic().code(),
                    d.topic().confidence(), spans(d.topic().evidence())));
            fields.add(new ScreenPop.Field("department", "承办部门", d.topic().departmentName(),
                    d.topic().departmentCode(), d.topic().confidence(), spans(d.topic().evidence())));
        }
        if (d.region() != null) {
            Region r = d.region();
            String name = String.join("", r.provinceName(), r.cityName(), r.districtName());
            String code = !r.districtCode().isEmpty() ? r.districtCode() : !r.cityCode().isEmpty() ? r.cityCode() : r.provinceCode();
            fields.add(new ScreenPop.Field("region", "发生地", name, code, r.confidence(), spans(r.evidence())));
        }
        if (d.urgency() != null) {
            fields.add(field("urgency", "紧急程度", d.urgency()));
        }
        if (!d.summary().isEmpty()) {
            fields.add(new ScreenPop.Field("summary", "摘要", d.summary(), "", 1.0, List.of()));
        }
        for (Slot slot : d.slots()) {
            fields.add(new ScreenPop.Field(slot.kind(), SLOT_LABELS.getOrDefault(slot.kind(), slot.kind()), slot.value(),
                    "", slot.confidence(), spans(slot.evidence())));
        }
        boolean emergency = d.urgency() != null && "emergency".equals(d.urgency().code());
        String intake = d.intake().outcome().name().toLowerCase()
                + (d.intake().detail().isEmpty() ? "" : " (" + d.intake().detail() + ")");
        return new ScreenPop(d.id(), d.id(), d.call().callerNumber(), d.call().receivedAt().toString(),
                d.intake().transcript(), d.intake().confidence(), intake, emergency, fields);
    }

    private static ScreenPop.Field field(String key, String label, Classified c) {
        return new ScreenPop.Field(key, label, c.label(), c.code(), c.confidence(), spans(c.evidence()));
    }

    /** Only spans of the transcript can be highlighted; evidence from elsewhere (the number's area code) cannot. */
    private static List<ScreenPop.Span> spans(List<Evidence> evidence) {
        return evidence.stream().filter(e -> e.start() >= 0).map(e -> new ScreenPop.Span(e.start(), e.end())).toList();
    }
}
