package cn.hotline.ivr.workorder;

import cn.hotline.ivr.flow.CallSession;
import cn.hotline.ivr.flow.DraftRecorder;
import cn.hotline.ivr.flow.FlowDecision;
import cn.hotline.ivr.ops.CallLog;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.understanding.CallerContext;
import cn.hotline.ivr.understanding.PersonalData;
import cn.hotline.ivr.understanding.Understander;
import cn.hotline.ivr.understanding.Understanding;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flow's {@link DraftRecorder}: understands what the caller said (or, with nothing said, at least
 * the region behind their number), builds the draft work order and persists it in the outbox before
 * the caller moves on. Delivery to the ticket backend happens later, on the outbox's own threads.
 */
public final class DraftWriter implements DraftRecorder {
    private static final Logger log = LoggerFactory.getLogger(DraftWriter.class);
    /** {@code <call id>-2} to {@code -9}: the ids a draft takes when its call id is another call's. */
    /** A call id already taken gets {@code -2} ... up to this suffix (two Asterisk servers handing out one Uniqueid). */
    private static final int MAX_SUFFIX = 9;

    private final Understander understander;
    private final Outbox outbox;
    private final ZoneId zone;
    private final Function<Draft, Map<String, String>> channelVariables;
    private final IntakeCheckpoints checkpoints;
    /** The checkpoint of each call in intake (two calls may share an id: the checkpoint's name tells them apart). */
    private final Map<CallSession, String> checkpointOf = new ConcurrentHashMap<>();

    /**
     * @param zone             the hotline's time zone (drafts carry local time with its offset)
     * @param channelVariables the CTI variables to set for a draft (key fields for systems that read variables)
     * @param checkpoints      where the words of callers still in intake are kept until their draft is
     *                         written; null: they are kept in memory only (lost if the server is killed)
     */
    public DraftWriter(Understander understander, Outbox outbox, ZoneId zone,
            Function<Draft, Map<String, String>> channelVariables, IntakeCheckpoints checkpoints) {
        this.understander = understander;
        this.outbox = outbox;
        this.zone = zone;
        this.channelVariables = channelVariables;
        this.checkpoints = checkpoints;
    }

    public DraftWriter(Understander understander, Outbox outbox, ZoneId zone,
            Function<Draft, Map<String, String>> channelVariables) {
        this(understander, outbox, zone, channelVariables, null);
    }

    @Override
    public void intakeStarted(CallSession call) {
        if (checkpoints != null) {
            checkpointOf.put(call, checkpoints.started(call.callId(), call.callerNumber(), call.dnid(), call.channel(),
                    call.language(), call.started()));
        }
    }

    @Override
    public void heard(CallSession call, String soFar) {
        String checkpoint = checkpoints == null ? null : checkpointOf.get(call);
        if (checkpoint != null) {
            checkpoints.heard(checkpoint, soFar);
        }
    }

    /**
     * Writes the drafts of the callers who were still describing their problem when the previous server
     * stopped without finishing them (killed, power loss): what they had said by the last checkpoint.
     * Run once at start-up, before calls are taken. A call whose draft did reach the outbox (the server
     * died between the draft and its checkpoint's end) is not written twice. A checkpoint whose draft
     * cannot be written (the outbox is full, or the checkpoint is damaged) stays for the next start, and
     * the start goes on.
     *
     * @return how many drafts were written
     */
    public int recoverInterruptedIntakes() {
        return recoverInterruptedIntakes(callId -> Optional.empty());
    }

    /**
     * The same, asking {@code wordsLeftBehind} for the words of a caller whose checkpoint has none (in
     * record-file mode the recording the killed server left is all there is).
     */
    public int recoverInterruptedIntakes(Function<String, Optional<String>> wordsLeftBehind) {
        List<IntakeCheckpoints.Checkpoint> leftovers = checkpoints == null ? List.of() : checkpoints.leftovers();
        if (leftovers.isEmpty()) {
            return 0;
        }
        int written = 0;
        int already = 0;
        int kept = 0;
        Outbox.FullException full = null;
        for (IntakeCheckpoints.Checkpoint c : leftovers) {
            if (full != null) {
                kept++; // one line for them all below, not one per caller
                continue;
            }
            try (CallLog.Scope scope = CallLog.callId(c.id())) {
                Optional<String> draftId = draftOf(c);
                if (draftId.isPresent()) {
                    log.info("intake checkpoint: the draft is already in the outbox as {}", draftId.get());
                    checkpoints.settled(c.name());
                    already++;
                    continue;
                }
                CallSession call = new CallSession(c.id(), nonNull(c.caller()), nonNull(c.dnid()), nonNull(c.channel()),
                        nonNull(c.language()), "", "", "hotline", List.of(), null,
                        c.started() == null ? Instant.now() : c.started());
                String heard = nonNull(c.heard());
                String detail = "server stopped during intake; recovered at restart";
                if (heard.isBlank()) {
                    Optional<String> left = wordsLeftBehind.apply(c.id());
                    if (left.isPresent()) {
                        heard = left.get();
                        detail += " from the recording left behind";
                    }
                }
                IntakeResult intake = new IntakeResult(IntakeResult.Outcome.FAILED, heard, 0, Duration.ZERO, detail);
                try {
                    persist(call, intake, understander.understand(intake.transcript(),
                            new CallerContext(call.callerNumber(), "")));
                    checkpoints.settled(c.name());
                    written++;
                } catch (Outbox.FullException e) {
                    full = e;
                    kept++;
                } catch (IOException | RuntimeException e) {
                    log.error("intake checkpoint: draft NOT written ({}); kept for the next start",
                            e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                    kept++;
                }
            }
        }
        if (full != null) {
            log.error("{}; the words of {} callers who were describing their problem when the server last stopped "
                    + "are kept for the next start", full.getMessage(), kept);
        }
        log.warn("{} callers were describing their problem when the server last stopped: {} drafts written from their "
                + "words so far, {} already in the outbox, {} kept for the next start", leftovers.size(), written, already,
                kept);
        return written;
    }

    /**
     * The id of the draft already in the outbox for this checkpoint's call: under the call id or, when
     * that id was taken, a suffixed one; the same caller arriving at the same time, so that another
     * call's draft under that id does not count.
     */
    private Optional<String> draftOf(IntakeCheckpoints.Checkpoint c) {
        return draftsUnder(outbox, c.id()).stream()
                .filter(d -> d.call().callerNumber().equals(nonNull(c.caller()))
                        && (c.started() == null || d.call().receivedAt().toInstant().equals(c.started())))
                .map(Draft::id).findFirst();
    }

    /**
     * The drafts kept under {@code callId} and under its suffixed ids, in that order: two calls may share an
     * id, and the second call's draft is then {@code <call id>-2} (up to {@code -9}). Every suffix is looked
     * at: an earlier one may be purged already.
     */
    public static List<Draft> draftsUnder(Outbox outbox, String callId) {
        List<Draft> drafts = new ArrayList<>();
        for (int n = 1; n <= MAX_SUFFIX; n++) {
            outbox.find(draftId(callId, n)).ifPresent(drafts::add);
        }
        return drafts;
    }

    /** The id of the {@code n}th call with this call id: the call id itself, then {@code <call id>-n}. */
    private static String draftId(String callId, int n) {
        return n == 1 ? callId : callId + "-" + n;
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    @Override
    public Recorded record(CallSession call, FlowDecision decision, IntakeResult intake) {
        // Removed first: a partial arriving from here on is late, whatever happens to the draft.
        String checkpoint = checkpoints == null ? null : checkpointOf.remove(call);
        Understanding u = understander.understand(intake.transcript(), new CallerContext(call.callerNumber(), ""));
        Draft draft;
        try {
            draft = persist(call, intake, u);
        } catch (IOException | RuntimeException e) {
            // The caller still reaches an agent; the operator must see this at once.
            log.error("draft {} NOT persisted ({}); the agent gets the call without it{}", call.callId(),
                    e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName(),
                    checkpoint != null && checkpoints.isOpen(checkpoint)
                            ? "; the intake checkpoint keeps the caller's words for the next start" : "");
            return new Recorded("", u.emergency().detected() ? u.emergency().route() : "", Map.of());
        }
        if (checkpoint != null) {
            checkpoints.settled(checkpoint);
        }
        return new Recorded(draft.id(), u.emergency().detected() ? u.emergency().route() : "",
                channelVariables.apply(draft));
    }

    /**
     * Persists the draft under the call id, or, when another call's draft already holds that id
     * (two Asterisk servers without {@code systemname} in asterisk.conf can hand out the same
     * uniqueid), under {@code <call id>-2}, {@code -3}, ...: the request is kept either way.
     */
    private Draft persist(CallSession call, IntakeResult intake, Understanding u) throws IOException {
        Draft draft = draft(call.callId(), call, intake, u);
        for (int n = 2; ; n++) {
            try {
                outbox.persist(draft);
                break;
            } catch (Outbox.IdTaken taken) {
                if (n > MAX_SUFFIX) {
                    throw taken;
                }
                String id = draftId(call.callId(), n);
                log.warn("call id {} is already the id of another call's draft (set a distinct systemname in each "
                        + "Asterisk's asterisk.conf); this call's draft is kept as {}", call.callId(), id);
                draft = draft(id, call, intake, u);
            }
        }
        log.info("draft persisted: type={} topic={} district={} urgency={} intake={} transcript=\"{}\"",
                u.requestType().code(), u.topic().code(), u.region().district(),
                draft.urgency() == null ? "" : draft.urgency().code(), intake.outcome().name().toLowerCase(),
                PersonalData.mask(intake.transcript()));
        return draft;
    }

    /**
     * Runs understanding and draft serialisation once on a made-up call, so the first real caller
     * does not pay for class loading and JIT warm-up (seconds on a busy machine). Persists nothing.
     */
    public void warmUp() {
        CallSession call = new CallSession("0.0", "057187654321", "12345", "PJSIP/warm-up-00000000", "zh", "", "",
                "hotline", List.of(), java.net.InetAddress.getLoopbackAddress(), java.time.Instant.now());
        String words = "我家小区物业乱收停车费 西湖区";
        draft(call.callId(), call, new IntakeResult(IntakeResult.Outcome.COMPLETED, words, 0.9, java.time.Duration.ofSeconds(3), ""),
                understander.understand(words, new CallerContext(call.callerNumber(), ""))).toJson();
    }

    /** The draft for one call: every field from the understanding, each with its evidence. */
    Draft draft(String id, CallSession call, IntakeResult intake, Understanding u) {
        Call c = new Call(call.callerNumber(), line(call.channel()), call.dnid(),
                OffsetDateTime.ofInstant(call.started(), zone), zone.getId(),
                call.language().isEmpty() ? "zh" : call.language());
        Classified type = new Classified(u.requestType().code(), u.requestType().label(),
                u.requestType().confidence(), evidence(u.requestType().evidence()));
        Topic topic = new Topic(u.topic().code(), u.topic().label(), "", u.topic().department(),
                u.topic().catalogueVersion().isEmpty() ? u.catalogueVersion() : u.topic().catalogueVersion(),
                u.topic().confidence(), evidence(u.topic().evidence()));
        Understanding.Region r = u.region();
        Region region = new Region(r.provinceCode(), r.province(), r.cityCode(), r.city(), r.districtCode(),
                r.district(), source(r.source()), r.confidence(), evidence(r.evidence()));
        Understanding.Emergency e = u.emergency();
        Classified urgency = e.detected()
                ? new Classified("emergency", e.label().isEmpty() ? "紧急" : e.label(), e.confidence(), evidence(e.evidence()))
                : new Classified("normal", "一般", 1.0, List.of());
        List<Slot> slots = u.slots().stream()
                .map(slot -> new Slot(slot.kind(), slot.value(), slot.confidence(), evidence(List.of(slot.evidence()))))
                .toList();
        return Draft.of(id, c, Intake.from(intake), type, topic, region, urgency, u.summary(), slots);
    }

    /** {@code PJSIP/carrier-trunk-0000002a} → {@code PJSIP/carrier-trunk}: the trunk, not the call leg. */
    static String line(String channel) {
        return CallSession.trunkOf(channel);
    }

    private static Region.Source source(String s) {
        return switch (s) {
            case "words" -> Region.Source.SPEECH;
            case "area-code" -> Region.Source.CALLER_NUMBER;
            default -> Region.Source.UNKNOWN;
        };
    }

    private static List<Evidence> evidence(List<cn.hotline.ivr.understanding.Evidence> spans) {
        return spans.stream().map(s -> new Evidence(s.text(), s.start(), s.end())).toList();
    }
}
