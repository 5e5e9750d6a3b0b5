package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.CallLog;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.understanding.PersonalData;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox of draft work orders: {@link #persist} returns only once the draft is on disk,
 * and delivery workers then POST it to the ticket backend until it is accepted, rejected for good,
 * or too old (the last two go to the dead letters with the reason). The local store answers
 * {@link #find} for the screen pop whether or not the backend has the draft yet.
 *
 * <p>Each state change is a record in the {@link Journal}. Drafts wait for an fsync (group commit);
 * delivery marks do not: losing one in a crash only means the draft is sent again, and the backend
 * answers a repeated idempotency key with the same ticket. Delivered drafts stay readable for
 * {@code keep-delivered}, then compaction rewrites the live records and deletes old segments, which
 * keeps disk usage bounded; beyond {@code max-bytes} persist fails loudly instead of filling the disk.
 *
 * <p>Commands from another process ({@code ivr outbox retry} while the server runs) arrive as files in
 * {@code requests/} and are applied within a second.
 */
public final class Outbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    static final byte DRAFT = 1;
    static final byte DELIVERED = 2;
    static final byte DEAD = 3;
    static final byte REQUEUED = 4;
    /** Attempts so far and the last error of a pending draft, so that `outbox list` in another process sees them. */
    static final byte ATTEMPTED = 5;
    private static final int RECORD_OVERHEAD = Journal.HEADER + 1;
    /** Longest reason a settle mark carries (the backend's answer is abbreviated before it gets here). */
    private static final int MAX_REASON_CHARS = 400;
    /**
     * Room kept for the mark that will settle each pending draft, so that the journal stays within
     * max-bytes after the last persist too. A delivered mark (id, time, reference) is about 150 bytes;
     * a dead letter's reason can make its mark longer, but dead letters are the exception and each
     * one also stops a retry loop.
     */
    private static final int MARK_RESERVE = RECORD_OVERHEAD + 256;
    private static final String REQUESTS = "requests";

    public enum State { PENDING, DELIVERED, DEAD }

    /** What the outbox knows about one draft. */
    public record Entry(
            String id,
            State state,
            Instant createdAt,
            Instant pendingSince,
            int attempts,
            String lastError,
            Instant deliveredAt,
            String reference,
            String deadReason,
            int bytes) {

        Entry pending(Instant since) {
            return new Entry(id, State.PENDING, createdAt, since, 0, "", null, "", "", bytes);
        }

        Entry failed(String error) {
            return attempted(attempts + 1, error);
        }

        Entry attempted(int count, String error) {
            return new Entry(id, state, createdAt, pendingSince, count, error, deliveredAt, reference, deadReason, bytes);
        }

        Entry delivered(Instant at, String ref) {
            return new Entry(id, State.DELIVERED, createdAt, pendingSince, attempts, lastError, at, ref, "", bytes);
        }

        Entry dead(String reason) {
            return new Entry(id, State.DEAD, createdAt, pendingSince, attempts, lastError, null, "", reason, bytes);
        }
    }

    /** The payload of a state-change record. */
    /** A settle or progress record; {@code attempts} is 0 in journals written before it existed. */
    record Mark(String id, Instant at, String reference, String reason, int attempts) {
        Mark(String id, Instant at, String reference, String reason) {
            this(id, at, reference, reason, 0);
        }
    }

    /** Counts for metrics, commands and benchmarks. */
    public record Stats(int pending, int delivered, int dead, long deliveredTotal, long retriesTotal,
            double oldestPendingSeconds, long diskBytes, long maxBytes, boolean diskAlarm, int quarantined) {
    }

    /** A read-only view of an outbox directory (for commands while a server may hold it). */
    public record Inspection(List<Entry> entries, Map<String, byte[]> drafts, List<Quarantined> quarantined) {
        public Optional<Draft> draft(String id) {
            byte[] json = drafts.get(id);
            return json == null ? Optional.empty() : Optional.of(Draft.fromJson(json));
        }
    }

    private record Slot(Entry entry, byte[] json) {
    }

    /** A record with a sound frame but content this version cannot use. */
    private record Unreadable(Journal.Position at, byte type, byte[] payload, String problem) {
    }

    /**
     * A draft to send at {@code atNanos}. Drafts just persisted ({@code fresh}, always due at once) go
     * before retries and a replayed backlog, so a new call's draft is not sent only after thousands
     * of drafts left over from an outage; the backlog still drains at the full rate of the workers.
     */
    private record Due(String id, long atNanos, boolean fresh) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(atNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Due other = (Due) o;
            return fresh != other.fresh ? (fresh ? -1 : 1) : Long.compare(atNanos, other.atNanos);
        }
    }

    /** The outbox directory is held by another process (a running server). */
    public static final class InUseException extends IOException {
        InUseException(String message) {
            super(message);
        }
    }

    /** Persist refused: the outbox reached {@code outbox.max-bytes}. */
    public static final class FullException extends IOException {
        FullException(String message) {
            super(message);
        }
    }

    private final OutboxSettings settings;
    private final Journal journal;
    private final Backoff backoff;
    private final Object lock = new Object();
    private final Object compactionLock = new Object();
    private final Object tick = new Object();
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicIntegerArray counts = new AtomicIntegerArray(State.values().length);
    private final DelayQueue<Due> due = new DelayQueue<>();
    private final List<Quarantined> quarantined = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Counter deliveredCounter;
    private final Counter retriesCounter;
    private final Counter deadCounter;
    private final Timer persistTimer;
    private volatile boolean running = true;
    private volatile boolean alarmRaised;
    private volatile TicketClient client;
    /** Ids queued or being sent: each draft is in the delay queue at most once, so one worker at a time sends it. */
    private final java.util.Set<String> scheduled = ConcurrentHashMap.newKeySet();

    private Outbox(OutboxSettings settings, Journal journal, MeterRegistry registry) {
        this.settings = settings;
        this.journal = journal;
        this.backoff = new Backoff(settings.backoffBase(), settings.backoffCap());
        this.deliveredCounter = Counter.builder("ivr.outbox.delivered").description("drafts accepted by the ticket backend").register(registry);
        this.retriesCounter = Counter.builder("ivr.outbox.retries").description("delivery attempts that will be retried").register(registry);
        this.deadCounter = Counter.builder("ivr.outbox.dead.lettered").description("drafts moved to the dead letters").register(registry);
        this.persistTimer = Timer.builder("ivr.outbox.persist").description("time until a draft is durable").register(registry);
        Gauge.builder("ivr.outbox.pending", this, o -> o.count(State.PENDING)).description("drafts waiting for delivery").register(registry);
        Gauge.builder("ivr.outbox.dead.letters", this, o -> o.count(State.DEAD)).description("drafts in the dead letters").register(registry);
        Gauge.builder("ivr.outbox.oldest.pending", this, Outbox::oldestPendingSeconds).baseUnit("seconds")
                .description("age of the oldest undelivered draft").register(registry);
        Gauge.builder("ivr.outbox.disk", this, o -> o.journal.diskBytes()).baseUnit("bytes").description("journal size on disk").register(registry);
        Gauge.builder("ivr.outbox.disk.alarm", this, o -> o.diskAlarm() ? 1 : 0)
                .description("1 when the journal passed outbox.alarm-ratio of outbox.max-bytes").register(registry);
        Gauge.builder("ivr.outbox.quarantined", this, o -> o.quarantined().size()).description("damaged records set aside").register(registry);
    }

    /**
     * Why the disk cannot hold what the journal may still grow to ({@code outbox.max-bytes} less what it
     * holds): something else filled it, and drafts would fail to persist before the outbox's own alarm.
     * Empty while there is room. One statfs call.
     */
    public Optional<String> diskShortfall() {
        long mayGrow = settings.maxBytes() - journal.diskBytes();
        try {
            long usable = Files.getFileStore(settings.dir()).getUsableSpace();
            return usable >= mayGrow ? Optional.empty() : Optional.of("the disk holding outbox.dir has " + human(usable)
                    + " free, less than the " + human(mayGrow) + " outbox.max-bytes lets the journal still grow: free space"
                    + " there or lower outbox.max-bytes");
        } catch (IOException e) {
            return Optional.of("cannot read the free space of outbox.dir " + settings.dir() + ": " + e.getMessage());
        }
    }

    /** Opens (creating) the outbox in {@code settings.dir()}, replaying and checking its journal. */
    public static Outbox open(OutboxSettings settings, MeterRegistry registry) throws IOException {
        Map<String, Slot> replayed = new ConcurrentHashMap<>();
        List<Unreadable> unreadable = new ArrayList<>();
        Journal journal = Journal.open(settings.dir(), settings.segmentBytes(),
                (type, payload, at) -> {
                    String problem = apply(replayed, type, payload);
                    if (problem != null) {
                        unreadable.add(new Unreadable(at, type, payload, problem));
                    }
                });
        Outbox outbox = new Outbox(settings, journal, registry);
        try {
            replayed.forEach(outbox::store);
            outbox.quarantined.addAll(journal.corruptions());
            for (Unreadable u : unreadable) {
                outbox.quarantined.add(journal.quarantine(u.at(), u.type(), u.payload(), u.problem()));
            }
            if (!outbox.quarantined.isEmpty()) {
                outbox.compact(); // rewrite without the damaged bytes so they are reported once, not on every start
            }
            Files.createDirectories(settings.dir().resolve(REQUESTS));
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
        LOG.info("outbox {} opened: {} pending, {} delivered, {} dead letters, {} quarantined, {} bytes",
                settings.dir(), outbox.count(State.PENDING), outbox.count(State.DELIVERED), outbox.count(State.DEAD),
                outbox.quarantined.size(), journal.diskBytes());
        outbox.threads.add(Thread.ofPlatform().daemon().name("outbox-maintenance").start(outbox::maintenanceLoop));
        return outbox;
    }

    /** Whether {@code dir} holds an outbox journal (tools that repair an outbox must not create one). */
    public static boolean exists(Path dir) throws IOException {
        return !Journal.segmentNumbers(dir).isEmpty();
    }

    /** Reads an outbox directory without locking or changing it. */
    public static Inspection inspect(Path dir) throws IOException {
        if (Journal.segmentNumbers(dir).isEmpty()) {
            throw new IOException("no outbox journal in " + dir + " (check outbox.dir / --dir)");
        }
        Map<String, Slot> replayed = new ConcurrentHashMap<>();
        List<Quarantined> bad = null;
        for (int attempt = 1; bad == null; attempt++) {
            replayed.clear();
            try {
                bad = new ArrayList<>(Journal.read(dir, (type, payload, at) -> {
                    String problem = apply(replayed, type, payload);
                    if (problem != null) {
                        LOG.warn("outbox {}: unreadable record in segment {} at {}: {}", dir, at.segment(), at.offset(), problem);
                    }
                }));
            } catch (java.util.ConcurrentModificationException e) {
                if (attempt == 3) {
                    throw new IOException(e.getMessage() + " three times in a row; try again", e);
                }
            }
        }
        List<Entry> entries = replayed.values().stream().map(Slot::entry)
                .sorted(Comparator.comparing(Entry::createdAt).thenComparing(Entry::id)).toList();
        Map<String, byte[]> drafts = new java.util.HashMap<>();
        replayed.forEach((id, s) -> drafts.put(id, s.json()));
        return new Inspection(entries, Map.copyOf(drafts), List.copyOf(bad));
    }

    /** Applies one journal record to a state map; returns why it cannot be used, or null. */
    private static String apply(Map<String, Slot> state, byte type, byte[] payload) {
        try {
            if (type == DRAFT) {
                Draft d = Draft.fromJson(payload);
                Entry e = new Entry(d.id(), State.PENDING, d.createdAt(), d.createdAt(), 0, "", null, "", "", payload.length);
                state.put(d.id(), new Slot(e, payload));
                return null;
            }
            Mark m = Json.MAPPER.readValue(payload, Mark.class);
            state.computeIfPresent(m.id(), (id, s) -> switch (type) {
                case DELIVERED -> new Slot(s.entry().delivered(m.at(), m.reference()), s.json());
                case DEAD -> new Slot(s.entry().dead(m.reason()), s.json());
                case REQUEUED -> new Slot(s.entry().pending(m.at()), s.json());
                case ATTEMPTED -> s.entry().state() == State.PENDING ? new Slot(s.entry().attempted(m.attempts(), m.reason()), s.json()) : s;
                default -> s;
            });
            return type >= DELIVERED && type <= ATTEMPTED ? null : "unknown record type " + type;
        } catch (IOException | RuntimeException e) {
            return "unreadable record of type " + type + ": " + e.getMessage();
        }
    }

    /**
     * Starts the delivery workers; without this the outbox only stores (commands, tests of storage).
     * The outbox owns the client from now on and shuts it down on {@link #close()}.
     */
    public synchronized void startDelivery(TicketClient ticketClient) {
        if (client != null) {
            throw new IllegalStateException("delivery already started");
        }
        client = ticketClient;
        for (Slot s : slots.values()) {
            if (s.entry().state() == State.PENDING) {
                schedule(s.entry().id(), System.nanoTime(), false);
            }
        }
        for (int i = 0; i < settings.workers(); i++) {
            threads.add(Thread.ofPlatform().daemon().name("outbox-delivery-" + i).start(this::deliveryLoop));
        }
    }

    /**
     * Writes the draft durably; returns only when it is on disk. Persisting the same draft again is a
     * no-op; a different draft under an existing id is refused (drafts are immutable).
     *
     * @throws FullException when the outbox reached {@code outbox.max-bytes}
     * @throws IOException when the disk fails
     */
    public void persist(Draft draft) throws IOException {
        long start = System.nanoTime();
        byte[] json = draft.toJson();
        if (journal.diskBytes() + json.length + RECORD_OVERHEAD + markReserve() > settings.maxBytes()) {
            relieveDiskPressure();
            if (journal.diskBytes() + json.length + RECORD_OVERHEAD + markReserve() > settings.maxBytes()) {
                throw full();
            }
        }
        long ticket;
        synchronized (lock) {
            Slot existing = slots.get(draft.id());
            if (existing != null) {
                if (!Arrays.equals(existing.json(), json)) {
                    throw new IdTaken(draft.id());
                }
                return;
            }
            if (journal.diskBytes() + json.length + RECORD_OVERHEAD + markReserve() > settings.maxBytes()) {
                throw full(); // concurrent persists filled the last bytes since the check above
            }
            ticket = journal.append(DRAFT, json);
            Entry e = new Entry(draft.id(), State.PENDING, draft.createdAt(), draft.createdAt(), 0, "", null, "", "", json.length);
            store(draft.id(), new Slot(e, json));
        }
        journal.awaitDurable(ticket);
        persistTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        if (client != null) {
            schedule(draft.id(), System.nanoTime(), true);
        }
        checkAlarm();
    }

    private FullException full() {
        return new FullException("outbox " + settings.dir() + " is full (" + journal.diskBytes() + " of outbox.max-bytes "
                + settings.maxBytes() + "): drafts are not being delivered; fix the ticket backend or raise outbox.max-bytes");
    }

    /** The draft with this id (the call id), delivered or not, while it is kept locally. */
    public Optional<Draft> find(String id) {
        Slot s = slots.get(id);
        return s == null ? Optional.empty() : Optional.of(Draft.fromJson(s.json()));
    }

    public Optional<Entry> entry(String id) {
        Slot s = slots.get(id);
        return s == null ? Optional.empty() : Optional.of(s.entry());
    }

    /** Every entry, oldest first. */
    public List<Entry> entries() {
        return slots.values().stream().map(Slot::entry)
                .sorted(Comparator.comparing(Entry::createdAt).thenComparing(Entry::id)).toList();
    }

    public List<Quarantined> quarantined() {
        synchronized (quarantined) {
            return List.copyOf(quarantined);
        }
    }

    /** Moves a dead letter back to pending (attempts and age start afresh); false when it is not a dead letter. */
    public boolean retry(String id) throws IOException {
        synchronized (lock) {
            Slot s = slots.get(id);
            if (s == null || s.entry().state() != State.DEAD) {
                return false;
            }
            Instant now = Instant.now();
            journal.append(REQUEUED, Json.MAPPER.writeValueAsBytes(new Mark(id, now, "", ""))); // rare: fine under the lock
            store(id, new Slot(s.entry().pending(now), s.json()));
        }
        try (var c = CallLog.callId(id)) {
            LOG.info("outbox: dead letter requeued for delivery");
        }
        if (client != null) {
            schedule(id, System.nanoTime(), false);
        }
        return true;
    }

    /** Drops every delivered draft from the local store now (instead of after keep-delivered); returns how many. */
    public int purgeDelivered() throws IOException {
        int purged;
        synchronized (lock) {
            List<String> ids = slots.values().stream().filter(s -> s.entry().state() == State.DELIVERED).map(s -> s.entry().id()).toList();
            ids.forEach(id -> store(id, null));
            purged = ids.size();
        }
        compact();
        return purged;
    }

    public Stats stats() {
        return new Stats(count(State.PENDING), count(State.DELIVERED), count(State.DEAD),
                (long) deliveredCounter.count(), (long) retriesCounter.count(), oldestPendingSeconds(),
                journal.diskBytes(), settings.maxBytes(), diskAlarm(), quarantined().size());
    }

    /** Waits until nothing is pending (delivered or dead); false on timeout. */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count(State.PENDING) > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Room for the settle marks of the pending drafts and of one more. */
    private long markReserve() {
        return (count(State.PENDING) + 1L) * MARK_RESERVE;
    }

    private int count(State state) {
        return counts.get(state.ordinal());
    }

    /** Every change of the map goes through here (under {@code lock}) so the per-state counts stay exact. */
    private void store(String id, Slot next) {
        Slot previous = next == null ? slots.remove(id) : slots.put(id, next);
        if (previous != null) {
            counts.decrementAndGet(previous.entry().state().ordinal());
        }
        if (next != null) {
            counts.incrementAndGet(next.entry().state().ordinal());
        }
    }

    private double oldestPendingSeconds() {
        Instant oldest = null;
        for (Slot s : slots.values()) {
            Entry e = s.entry();
            if (e.state() == State.PENDING && (oldest == null || e.pendingSince().isBefore(oldest))) {
                oldest = e.pendingSince();
            }
        }
        return oldest == null ? 0 : Math.max(0, Duration.between(oldest, Instant.now()).toMillis() / 1000.0);
    }

    /** Whether the journal passed {@code outbox.alarm-ratio} of {@code outbox.max-bytes}. */
    public boolean diskAlarm() {
        return journal.diskBytes() >= settings.alarmRatio() * settings.maxBytes();
    }

    private void checkAlarm() {
        boolean alarm = diskAlarm();
        if (alarm && !alarmRaised) {
            LOG.error("outbox {} ALARM: journal uses {} bytes, over {} % of outbox.max-bytes {}; drafts are piling up "
                    + "undelivered: check the ticket backend (persist will fail at the bound)",
                    settings.dir(), journal.diskBytes(), Math.round(settings.alarmRatio() * 100), settings.maxBytes());
        } else if (!alarm && alarmRaised) {
            LOG.info("outbox {}: disk alarm cleared ({} bytes)", settings.dir(), journal.diskBytes());
        }
        alarmRaised = alarm;
    }

    private void deliveryLoop() {
        while (running) {
            Due next;
            try {
                next = due.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (next == null) {
                continue;
            }
            String id = next.id();
            long again = -1;
            try (var c = CallLog.callId(id)) {
                again = deliver(id);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                try (var c = CallLog.callId(id)) { // the try's own scope is already closed here
                    LOG.error("outbox: delivery bookkeeping failed, will retry: {}", PersonalData.mask(e.toString()));
                }
                again = System.nanoTime() + settings.backoffCap().toNanos();
            } finally {
                if (again >= 0) {
                    due.add(new Due(id, again, false)); // still in `scheduled`
                } else {
                    scheduled.remove(id);
                    Slot s = slots.get(id);
                    if (s != null && s.entry().state() == State.PENDING) {
                        schedule(id, System.nanoTime(), false); // requeued by retry() while we were settling it
                    }
                }
            }
        }
    }

    /**
     * Until when (System.nanoTime) the backend asked to be left alone (429/503 with Retry-After): drafts due
     * meanwhile wait without an attempt, so a backlog of thousands does not answer "slow down" with
     * thousands of requests. Written by delivery workers only; a lost race only shortens the wait.
     */
    private volatile long holdUntilNanos = System.nanoTime();

    private void schedule(String id, long atNanos, boolean fresh) {
        if (scheduled.add(id)) {
            due.add(new Due(id, atNanos, fresh));
        }
    }

    /** One attempt; returns when to try again (System.nanoTime), or -1 when the draft is settled. */
    private long deliver(String id) throws InterruptedException, IOException {
        Slot s = slots.get(id);
        if (s == null || s.entry().state() != State.PENDING) {
            return -1;
        }
        Duration age = Duration.between(s.entry().pendingSince(), Instant.now());
        if (age.compareTo(settings.maxAge()) > 0) {
            dead(id, "undelivered for " + human(age) + ", over outbox.max-age " + human(settings.maxAge())
                    + "; last error: " + s.entry().lastError());
            return -1;
        }
        long held = holdUntilNanos;
        if (held - System.nanoTime() > 0) {
            return held;   // the backend asked every client to wait (Retry-After): no attempt, none counted
        }
        TicketClient.Outcome outcome = client.send(id, s.json());
        switch (outcome) {
            case TicketClient.Delivered d -> {
                if (mark(id, DELIVERED, new Mark(id, Instant.now(), d.reference(), ""), e -> e.delivered(Instant.now(), d.reference()))) {
                    deliveredCounter.increment();
                }
                LOG.info("outbox: delivered to the ticket backend as {} (HTTP {}, attempt {})", d.reference(), d.status(), s.entry().attempts() + 1);
                return -1;
            }
            case TicketClient.Rejected r -> {
                dead(id, "rejected by the ticket backend: " + r.reason());
                return -1;
            }
            case TicketClient.Retry r -> {
                Entry e = s.entry();
                synchronized (lock) {
                    slots.computeIfPresent(id, (k, v) -> new Slot(v.entry().failed(r.reason()), v.json()));
                }
                retriesCounter.increment();
                Duration backedOff = backoff.delay(e.attempts() + 1, ThreadLocalRandom.current());
                // A backend that says when to come back (429, 503 with Retry-After) is believed, beyond backoff-cap too.
                Duration wait = r.notBefore().compareTo(backedOff) > 0 ? r.notBefore() : backedOff;
                if (r.notBefore().isPositive()) {
                    // It said so to this client, not about this draft: every other draft waits as long.
                    long until = System.nanoTime() + r.notBefore().toNanos();
                    holdUntilNanos = Math.max(holdUntilNanos, until);
                }
                int attempt = e.attempts() + 1;
                if (attempt == 1 || attempt % 10 == 0) { // a long outage must not flood the log or the journal: 1st, 10th, 20th, ...
                    journalAttempt(id, attempt, r.reason());
                    // The reason may quote the backend's response body, which may echo the draft.
                    LOG.info("outbox: attempt {} failed, retrying in {} ms: {}", attempt, wait.toMillis(), PersonalData.mask(r.reason()));
                } else {
                    LOG.debug("outbox: attempt {} failed, retrying in {} ms: {}", attempt, wait.toMillis(), PersonalData.mask(r.reason()));
                }
                return System.nanoTime() + wait.toNanos();
            }
        }
    }

    /** Best effort: a lost progress record only makes `outbox list` show fewer attempts. */
    private void journalAttempt(String id, int attempts, String error) {
        if (diskAlarm()) {
            return; // near the bound the room is for drafts
        }
        try {
            byte[] payload = Json.MAPPER.writeValueAsBytes(new Mark(id, Instant.now(), "", abbreviated(error), attempts));
            synchronized (lock) {
                Slot s = slots.get(id);
                if (s != null && s.entry().state() == State.PENDING) {
                    journal.append(ATTEMPTED, payload);
                }
            }
        } catch (IOException e) {
            LOG.warn("outbox: attempt {} not recorded in the journal: {}", attempts, e.toString());
        }
    }

    private static String abbreviated(String reason) {
        return reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS) + "...";
    }

    private static String human(long bytes) {
        return bytes >= 1L << 30 ? String.format("%.1f GiB", bytes / (double) (1L << 30))
                : String.format("%.1f MiB", bytes / (double) (1L << 20));
    }

    private static String human(Duration d) {
        if (d.toSeconds() < 10) {
            return d.toMillis() + " ms";
        }
        return d.toHours() < 2 ? d.toSeconds() + " s" : d.toHours() + " h";
    }

    private void dead(String id, String why) throws IOException {
        String reason = abbreviated(why);
        if (!mark(id, DEAD, new Mark(id, Instant.now(), "", reason), e -> e.dead(reason))) {
            return;
        }
        deadCounter.increment();
        LOG.warn("outbox: draft moved to the dead letters: {}", PersonalData.mask(reason));
    }

    /** Settles a pending draft; false when it was purged or settled meanwhile. */
    private boolean mark(String id, byte type, Mark mark, java.util.function.UnaryOperator<Entry> change) throws IOException {
        byte[] payload = Json.MAPPER.writeValueAsBytes(mark);
        synchronized (lock) {
            Slot s = slots.get(id);
            if (s == null || s.entry().state() != State.PENDING) {
                return false;
            }
            store(id, new Slot(change.apply(s.entry()), s.json()));
            // Not awaited: if this mark is lost in a crash the draft is sent again and the
            // backend answers the repeated idempotency key with the same ticket.
            journal.append(type, payload);
        }
        return true;
    }

    private void maintenanceLoop() {
        while (running) {
            try {
                synchronized (tick) {
                    tick.wait(1000);
                }
                if (!running) {
                    return;
                }
                applyRequests();
                expireDelivered();
                checkAlarm();
                long live = 0;
                long delivered = 0;
                for (Slot s : slots.values()) {
                    long size = s.json().length + 3L * RECORD_OVERHEAD + 160;
                    live += size;
                    delivered += s.entry().state() == State.DELIVERED ? size : 0;
                }
                long garbage = journal.diskBytes() - live;
                if (alarmRaised && garbage + delivered > settings.segmentBytes()) {
                    relieveDiskPressure();
                } else if (garbage > settings.segmentBytes() && garbage > journal.diskBytes() / 2) {
                    compact();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("outbox {}: maintenance failed, will try again: {}", settings.dir(), e.toString());
            }
        }
    }

    /**
     * Near the bound, delivered drafts (the ticket system has them) give way to new ones before
     * keep-delivered is up: dropped, then compacted away.
     */
    private void relieveDiskPressure() throws IOException {
        int dropped = purgeDelivered();
        if (dropped > 0) {
            LOG.warn("outbox {}: disk near outbox.max-bytes, dropped {} delivered drafts before outbox.keep-delivered",
                    settings.dir(), dropped);
        }
    }

    private void expireDelivered() {
        Instant cutoff = Instant.now().minus(settings.keepDelivered());
        // Scan without the lock (persist must not wait behind it); re-check each candidate under it.
        List<String> expired = slots.values().stream()
                .filter(s -> s.entry().state() == State.DELIVERED && s.entry().deliveredAt().isBefore(cutoff))
                .map(s -> s.entry().id()).toList();
        if (expired.isEmpty()) {
            return;
        }
        synchronized (lock) {
            for (String id : expired) {
                Slot s = slots.get(id);
                if (s != null && s.entry().state() == State.DELIVERED) {
                    store(id, null);
                }
            }
        }
    }

    /**
     * Rewrites the live state into a fresh segment and deletes the older ones. Live records are
     * captured under the same lock as every append, so no change can fall between snapshot and segments.
     */
    void compact() throws IOException {
        synchronized (compactionLock) {
            long snapshot;
            List<Slot> live;
            synchronized (lock) {
                snapshot = journal.rollForSnapshot();
                live = new ArrayList<>(slots.values());
            }
            List<Journal.Rec> records = new ArrayList<>(live.size() * 2);
            for (Slot s : live) {
                Entry e = s.entry();
                records.add(new Journal.Rec(DRAFT, s.json()));
                switch (e.state()) {
                    case DELIVERED -> records.add(new Journal.Rec(DELIVERED, Json.MAPPER.writeValueAsBytes(new Mark(e.id(), e.deliveredAt(), e.reference(), ""))));
                    case DEAD -> records.add(new Journal.Rec(DEAD, Json.MAPPER.writeValueAsBytes(new Mark(e.id(), Instant.now(), "", e.deadReason()))));
                    case PENDING -> {
                        if (!e.pendingSince().equals(e.createdAt())) {
                            records.add(new Journal.Rec(REQUEUED, Json.MAPPER.writeValueAsBytes(new Mark(e.id(), e.pendingSince(), "", ""))));
                        }
                        if (e.attempts() > 0) {
                            records.add(new Journal.Rec(ATTEMPTED, Json.MAPPER.writeValueAsBytes(
                                    new Mark(e.id(), Instant.now(), "", e.lastError(), e.attempts()))));
                        }
                    }
                }
            }
            long before = journal.diskBytes();
            journal.writeSnapshot(snapshot, records);
            journal.deleteBelow(snapshot);
            LOG.info("outbox {} compacted: {} live drafts, {} -> {} bytes", settings.dir(), live.size(), before, journal.diskBytes());
        }
    }

    /** Asks the server holding {@code dir} to do something (used by commands when the journal is locked). */
    public static Path request(Path dir, String action, String id) throws IOException {
        Path requests = dir.resolve(REQUESTS);
        Files.createDirectories(requests);
        String name = action + (id == null ? "" : "." + Drafts.requireId(id));
        Path tmp = requests.resolve(name + ".tmp");
        Files.writeString(tmp, Instant.now().toString());
        Path target = requests.resolve(name);
        Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private void applyRequests() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(settings.dir().resolve(REQUESTS))) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    continue;
                }
                if (name.startsWith("retry.")) {
                    String id = name.substring("retry.".length());
                    LOG.info("outbox: request to retry {}: {}", id, retry(id) ? "requeued" : "not a dead letter, ignored");
                } else if (name.equals("purge-delivered")) {
                    LOG.info("outbox: request to purge delivered drafts: {} purged", purgeDelivered());
                } else {
                    LOG.warn("outbox: ignoring unknown request file {}", f);
                }
                Files.deleteIfExists(f);
            }
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        synchronized (tick) {
            tick.notifyAll();
        }
        // No interrupts: they would abort journal writes half-way. Shutting the HTTP client down
        // ends in-flight attempts; the loops notice running == false within their poll interval.
        synchronized (this) {
            if (client != null) {
                client.shutdownNow();
            }
        }
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        journal.close();
    }

    /** Another draft, with different content, was already persisted under this id; drafts are immutable. */
    public static final class IdTaken extends IllegalStateException {
        IdTaken(String id) {
            super("draft " + id + " was already persisted with different content; drafts are immutable");
        }
    }
}
