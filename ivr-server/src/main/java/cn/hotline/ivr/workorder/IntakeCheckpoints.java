package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.understanding.PersonalData;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What callers have said so far while they are still describing their problem, kept on disk so that a
 * server killed during intake (SIGKILL, power loss, out of memory) loses nobody's words: at the next
 * start every call that was in intake becomes a draft with what had been heard. A call's checkpoint
 * ends when its draft is in the outbox.
 *
 * <p>Callers' and recognizer threads only put the latest words in a map; one writer thread appends what
 * changed to {@value #FILE} in the outbox directory and syncs once per {@link #INTERVAL}, so at most one
 * interval of words is lost and no recognizer waits for the disk. The file holds JSON lines
 * ({@code heard} with the call's details, {@code settled}); it is rewritten with the open calls only
 * when it grows past a few megabytes. A line that cannot be read (cut short by a kill, damaged) is
 * skipped with a warning.
 */
public final class IntakeCheckpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IntakeCheckpoints.class);
    public static final String FILE = "intake-checkpoints.log";
    /** At most this much of a caller's words is lost when the server dies. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final long COMPACT_BYTES = 4L << 20;
    /** Far above any caller's words (a few kilobytes): a longer line is junk, skipped without holding it in memory. */
    static final int MAX_LINE_BYTES = 1 << 20;
    /** What Asterisk makes ({@code telephony.UniqueId}); anything else in the file is damage, and could be a phone number. */
    private static final Pattern CALL_ID = Pattern.compile("(?:[A-Za-z][A-Za-z0-9_.-]{0,62}-)?[1-3][0-9]{9}\\.[0-9]{1,10}");

    /** One caller in intake: the call's details a draft needs, and the words heard so far. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Checkpoint(String op, String id, String caller, String dnid, String channel, String language,
            Instant started, String heard) {
        static final String HEARD = "heard";
        static final String SETTLED = "settled";

        Checkpoint withHeard(String words) {
            return new Checkpoint(op, id, caller, dnid, channel, language, started, words);
        }
    }

    private final Path file;
    private final long compactBytes;
    private final Map<String, Checkpoint> open = new ConcurrentHashMap<>();
    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> settled = new ConcurrentLinkedQueue<>();
    private final List<Checkpoint> leftovers;
    private final Object writeLock = new Object();
    private final Thread writer;
    private FileOutputStream out;
    private long written;
    private boolean torn;
    private volatile boolean closed;

    private IntakeCheckpoints(Path file, List<Checkpoint> leftovers, long compactBytes) throws IOException {
        this.file = file;
        this.compactBytes = compactBytes;
        this.leftovers = List.copyOf(leftovers);
        leftovers.forEach(c -> open.put(c.id(), c));
        synchronized (writeLock) {
            rewrite(); // a fresh file holding only what is still open, so restarts do not pile up old lines
        }
        this.writer = Thread.ofPlatform().daemon().name("intake-checkpoints").start(this::writeLoop);
    }

    /**
     * Opens the checkpoints in the outbox directory (one server per directory, which the outbox's lock
     * guarantees). Calls still open in the file are {@link #leftovers()}: they stay open, so that a
     * crash during their recovery loses nothing either.
     */
    public static IntakeCheckpoints open(Path outboxDir) throws IOException {
        return open(outboxDir, COMPACT_BYTES);
    }

    /** @param compactBytes size past which the file is rewritten with the open calls only */
    static IntakeCheckpoints open(Path outboxDir, long compactBytes) throws IOException {
        Path file = outboxDir.resolve(FILE);
        return new IntakeCheckpoints(file, read(file), compactBytes);
    }

    /** The calls that were in intake when the previous server stopped, oldest first. */
    public List<Checkpoint> leftovers() {
        return leftovers;
    }

    /** A caller starts describing their problem. */
    public void started(String id, String caller, String dnid, String channel, String language, Instant started) {
        open.put(id, new Checkpoint(Checkpoint.HEARD, id, caller, dnid, channel, language, started, ""));
        changed.add(id);
    }

    /** The words heard so far; ignored once the call's draft is written (a late partial). */
    public void heard(String id, String words) {
        String w = words == null ? "" : words;
        Checkpoint before = open.get(id);
        if (before != null && !before.heard().equals(w) && open.computeIfPresent(id, (k, c) -> c.withHeard(w)) != null) {
            changed.add(id);
        }
    }

    /** The call's draft is in the outbox: its checkpoint is no longer needed. */
    public void settled(String id) {
        if (open.remove(id) != null) {
            changed.remove(id);
            settled.add(id);
        }
    }

    public boolean isOpen(String id) {
        return open.containsKey(id);
    }

    /** Calls in intake right now (tests, metrics). */
    public int openCount() {
        return open.size();
    }

    /** Writes and syncs what changed since the last write; the writer thread does this every interval. */
    public void flush() throws IOException {
        synchronized (writeLock) {
            if (!closed) {
                writeChanges();
            }
        }
    }

    private void writeChanges() throws IOException {
        if (torn) {
            // A failed write may have left half a line: start a clean file with every open call.
            settled.clear();
            rewrite();
            torn = false;
            return;
        }
        StringBuilder lines = new StringBuilder();
        for (String id; (id = settled.poll()) != null; ) {
            lines.append(Json.write(new Checkpoint(Checkpoint.SETTLED, id, null, null, null, null, null, null))).append('\n');
        }
        List<String> ids = List.copyOf(changed);
        for (String id : ids) {
            changed.remove(id);
            Checkpoint c = open.get(id);
            if (c != null) {
                lines.append(Json.write(c)).append('\n');
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
        try {
            out.write(bytes);
            // FileDescriptor.sync, not FileChannel: an interrupt (close) must not close the file mid-write.
            out.getFD().sync();
        } catch (IOException e) {
            torn = true;
            changed.addAll(ids);
            throw e;
        }
        written += bytes.length;
        if (written > compactBytes) {
            try {
                rewrite();
            } catch (IOException e) {
                torn = true; // the next write starts over with every open call
                throw e;
            }
        }
    }

    private void writeLoop() {
        while (!closed) {
            try {
                Thread.sleep(INTERVAL);
                flush();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // Keep trying: the words are still in memory, and the outbox's own disk checks raise the alarm.
                log.error("intake checkpoints {}: cannot write ({}); callers' words are safe only in memory until it works again",
                        file, e.toString());
            }
        }
    }

    /** Replaces the file by one holding only the open calls (write, sync, rename, sync the directory). */
    private void rewrite() throws IOException {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        changed.clear(); // before the snapshot: words heard from here on are marked again
        StringBuilder lines = new StringBuilder();
        open.values().forEach(c -> lines.append(Json.write(c)).append('\n'));
        byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream o = Files.newOutputStream(tmp)) {
            o.write(bytes);
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the rename is still atomic.
        }
        if (out != null) {
            out.close();
        }
        out = new FileOutputStream(file.toFile(), true);
        written = bytes.length;
    }

    /** The calls still open in a checkpoint file: their last words, in the order they started. */
    static List<Checkpoint> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        Map<String, Checkpoint> open = new LinkedHashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean tooLong = false;
            int n = 0;
            for (int b = in.read(); ; b = in.read()) {
                if (b == '\n' || b == -1) {
                    if (b == -1 && line.size() == 0 && !tooLong) {
                        break;
                    }
                    n++;
                    if (tooLong) {
                        log.warn("{}:{}: longer than {} bytes, no checkpoint; skipped", file, n, MAX_LINE_BYTES);
                    } else {
                        // Decoded leniently: a character cut in half by the kill must not stop the server starting.
                        apply(open, new String(line.toByteArray(), StandardCharsets.UTF_8), file, n);
                    }
                    line.reset();
                    tooLong = false;
                    if (b == -1) {
                        break;
                    }
                } else if (!tooLong) {
                    if (line.size() >= MAX_LINE_BYTES) {
                        tooLong = true;
                        line = new ByteArrayOutputStream(); // let the megabyte go
                    } else {
                        line.write(b);
                    }
                }
            }
        }
        List<Checkpoint> list = new ArrayList<>(open.values());
        list.sort(Comparator.comparing(Checkpoint::started, Comparator.nullsLast(Comparator.naturalOrder())));
        return list;
    }

    private static void apply(Map<String, Checkpoint> open, String line, Path file, int n) {
        if (line.isBlank()) {
            return;
        }
        Checkpoint c;
        try {
            c = Json.MAPPER.readValue(line, Checkpoint.class);
        } catch (IOException e) {
            c = null;
        }
        if (c == null) {
            log.warn("{}:{}: not a checkpoint (cut short when the server stopped?), skipped", file, n);
        } else if (c.id() == null || c.id().isEmpty()) {
            log.warn("{}:{}: checkpoint without a call id, skipped", file, n);
        } else if (!CALL_ID.matcher(c.id()).matches()) {
            // Not logged: a damaged id may be a phone number, and would become a draft's id.
            log.warn("{}:{}: checkpoint whose call id is not an Asterisk unique id, skipped", file, n);
        } else if (Checkpoint.SETTLED.equals(c.op())) {
            open.remove(c.id());
        } else if (Checkpoint.HEARD.equals(c.op())) {
            open.remove(c.id()); // re-insert: the order is that of the calls' latest words
            open.put(c.id(), c.withHeard(c.heard() == null ? "" : c.heard()));
        } else {
            String op = c.op() == null ? "" : c.op();
            log.warn("{}:{}: unknown checkpoint '{}', skipped", file, n,
                    PersonalData.mask(op.length() > 40 ? op.substring(0, 40) + "..." : op));
        }
    }

    /**
     * Writes what is pending and stops. Calls still open stay in the file: their drafts were not
     * written (the outbox refused them, or the server stops mid-intake), so the next start recovers them.
     */
    @Override
    public void close() throws IOException {
        writer.interrupt();
        try {
            writer.join(INTERVAL.toMillis() * 5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            try {
                writeChanges();
            } finally {
                closed = true;
                out.close();
            }
        }
    }
}
