package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The draft work order one call leaves in the ticket system: immutable, JSON on the wire and on disk
 * (schema: {@code docs/draft.schema.json}). Its id is Asterisk's unique id of the caller channel, so
 * it doubles as the idempotency key towards the ticket backend and the screen-pop lookup key.
 *
 * <p>Understanding fields ({@code requestType}, {@code topic}, {@code region}, {@code urgency}) are
 * {@code null} when understanding did not run or produced nothing (degraded paths still leave a draft).
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param id            the call id (Asterisk unique id)
 * @param createdAt     when this server wrote the draft
 * @param call          caller number, line, received time, language
 * @param intake        how speech intake ended, and the transcript with its confidence
 * @param requestType   complaint, enquiry, suggestion, ... (code from the understanding room)
 * @param topic         topic, department and catalogue version
 * @param region        where it happened, and where that came from
 * @param urgency       normal / urgent / emergency
 * @param summary       a one-line summary for the agent ("" when none)
 * @param slots         the key details an agent types first (address, time, amounts, numbers), each with its words
 */
public record Draft(
        int schemaVersion,
        String id,
        Instant createdAt,
        Call call,
        Intake intake,
        Classified requestType,
        Topic topic,
        Region region,
        Classified urgency,
        String summary,
        List<Slot> slots) {

    public static final int SCHEMA_VERSION = 1;

    public Draft {
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be at least 1, got " + schemaVersion);
        }
        id = Drafts.requireId(id);
        if (createdAt == null || call == null || intake == null) {
            throw new IllegalArgumentException("createdAt, call and intake are required");
        }
        summary = summary == null ? "" : summary;
        slots = slots == null ? List.of() : List.copyOf(slots);
    }

    /** A draft of the current schema version created now. */
    public static Draft of(String id, Call call, Intake intake, Classified requestType, Topic topic, Region region,
            Classified urgency, String summary, List<Slot> slots) {
        return new Draft(SCHEMA_VERSION, id, Instant.now(), call, intake, requestType, topic, region, urgency, summary,
                slots);
    }

    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("draft " + id + " cannot be written as JSON", e);
        }
    }

    /** Reads a draft; throws IllegalArgumentException naming what is wrong. */
    public static Draft fromJson(byte[] json) {
        try {
            return Json.MAPPER.readValue(json, Draft.class);
        } catch (IOException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IllegalArgumentException("not a valid draft: " + root.getMessage(), e);
        }
    }
}
