package cn.hotline.ivr.workorder;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.telephony.UniqueId;
import cn.hotline.ivr.understanding.PersonalData;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>Each checkpoint has a name: the call id, or {@code <call id>#2}, {@code #3}... while another
 * checkpoint of that id is open or its end is not yet written (two Asterisk servers without a
 * {@code systemname} can hand out the same uniqueid), so two callers never share, or end, one
 * checkpoint.
 */
public final class IntakeCheckpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IntakeCheckpoints.class);
    public static final String FILE = "intake-checkpoints.log";
    /** At most this much of a caller's words is lost when the server dies. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final long COMPACT_BYTES = 4L << 20;
    /** A write problem that comes back this soon after it was reported is not reported again. */
    static final Duration QUIET = Duration.ofMinutes(5);
    /** Far above any caller's words (a few kilobytes): a longer line is junk, skipped without holding it in memory. */
    static final int MAX_LINE_BYTES = 1 << 20;

    /**
     * One caller in intake: the call's details a draft needs, and the words heard so far.
     *
     * @param key the checkpoint's name when it is not the call id (see the class comment); null otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Checkpoint(String op, String id, String caller, String dnid, String channel, String language,
            Instant started, String heard, String key) {
        static final String HEARD = "heard";
        static final String SETTLED = "settled";

        /** The checkpoint's name: what {@link #heard}, {@link #settled} and {@link #isOpen} take. */
        public String name() {
            return key == null ? id : key;
        }

        Checkpoint withHeard(String words) {
            return new Checkpoint(op, id, caller, dnid, channel, language, started, words, key);
        }
    }

    private final Path file;
    private final long compactBytes;
    private final Map<String, Checkpoint> open = new ConcurrentHashMap<>();
    private final Set<String> changed = ConcurrentHashMap.newKeySet();
    /** Ended checkpoints whose {@code settled} line is not written yet; guarded by {@code names}. */
    private final Set<String> settled = new LinkedHashSet<>();
    /** Orders starts and ends of checkpoints with the writer's taking of them, so a name is reused only after its end is in the file. */
    private final Object names = new Object();
    private final List<Checkpoint> leftovers;
    private final Object writeLock = new Object();
    /** Counted down by close: wakes the writer without interrupting it (an interrupt closes a FileChannel mid-rewrite). */
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Thread writer;
    private FileOutputStream out;
    private long written;
    /** The last append may have left half a line, or {@code out} is no longer the file: only a rewrite helps. */
    private boolean torn;
    /** The file is past its bound and could not be rewritten (appending goes on). */
    private boolean rewriteFailing;
    private boolean closed;
    /** The writer's current problem, null while it writes; these fields belong to the writer thread. */
    private String problem;
    private long problemSince;
    private boolean problemReported;
    private String lastReported;
    private long lastReportedAt;
    private int unreported;

    private IntakeCheckpoints(Path file, List<Checkpoint> leftovers, long compactBytes) throws IOException {
        this.file = file;
        this.compactBytes = compactBytes;
        this.leftovers = List.copyOf(leftovers);
        leftovers.forEach(c -> open.put(c.name(), c));
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

    /**
     * A caller starts describing their problem.
     *
     * @return the checkpoint's name, for {@link #heard} and {@link #settled}: the call id unless another
     *         caller with the same id is in intake too
     */
    public String started(String id, String caller, String dnid, String channel, String language, Instant started) {
        synchronized (names) {
            String name = id;
            for (int n = 2; open.containsKey(name) || settled.contains(name); n++) {
                name = id + "#" + n;
            }
            open.put(name, new Checkpoint(Checkpoint.HEARD, id, caller, dnid, channel, language, started, "",
                    name.equals(id) ? null : name));
            changed.add(name);
            return name;
        }
    }

    /** The words heard so far; ignored once the call's draft is written (a late partial). */
    public void heard(String name, String words) {
        String w = words == null ? "" : words;
        Checkpoint before = open.get(name);
        if (before != null && !w.equals(before.heard()) && open.computeIfPresent(name, (k, c) -> c.withHeard(w)) != null) {
            changed.add(name);
        }
    }

    /** The call's draft is in the outbox: its checkpoint is no longer needed. */
    public void settled(String name) {
        synchronized (names) {
            if (open.remove(name) != null) {
                changed.remove(name);
                settled.add(name);
            }
        }
    }

    public boolean isOpen(String name) {
        return open.containsKey(name);
    }

    /** Calls in intake right now (tests, metrics). */
    public int openCount() {
        return open.size();
    }

    /**
     * Writes and syncs what changed since the last write, then rewrites the file if it grew past its
     * bound; the writer thread does this every interval.
     *
     * @throws IOException when the disk refused; what could not be written is written by a later call
     */
    public void flush() throws IOException {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            // Retried every round while it fails, so its end is seen without waiting for new words.
            if ((writeChanges() || rewriteFailing) && written > compactBytes) {
                try {
                    rewrite();
                    rewriteFailing = false;
                } catch (IOException e) {
                    if (torn) {
                        throw e; // failed after the rename: nothing is appended until a rewrite works
                    }
                    rewriteFailing = true;
                    throw new RewriteFailed(e);
                }
            }
        }
    }

    /** @return whether anything was appended */
    private boolean writeChanges() throws IOException {
        if (torn) {
            synchronized (names) {
                settled.clear(); // the rewrite leaves them out: they are no longer open
                // Before the snapshot: words heard from here on are marked again. Should the rewrite fail,
                // the next round rewrites everything again, so no mark is lost.
                changed.clear();
            }
            rewrite();
            rewriteFailing = false;
            return false;
        }
        List<String> ends;
        List<String> changes;
        synchronized (names) {
            ends = List.copyOf(settled);
            settled.clear();
            changes = List.copyOf(changed);
            changed.removeAll(changes);
        }
        StringBuilder lines = new StringBuilder();
        for (String name : ends) {
            int hash = name.indexOf('#'); // never in a call id
            String id = hash < 0 ? name : name.substring(0, hash);
            lines.append(Json.write(new Checkpoint(Checkpoint.SETTLED, id, null, null, null, null, null, null,
                    hash < 0 ? null : name))).append('\n');
        }
        for (String name : changes) {
            Checkpoint c = open.get(name);
            if (c != null) {
                lines.append(Json.write(c)).append('\n');
            }
        }
        if (lines.isEmpty()) {
            return false;
        }
        byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
        try {
            out.write(bytes);
            // FileDescriptor.sync, not FileChannel: a stream's write and sync are not cut short by an interrupt.
            out.getFD().sync();
        } catch (IOException e) {
            torn = true; // the next write starts over with every open call (the ends drop out with them)
            throw e;
        }
        written += bytes.length;
        return true;
    }

    /** The file could not be rewritten past its bound; it is intact and appending goes on. */
    private static final class RewriteFailed extends IOException {
        RewriteFailed(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * One writer round: write, and report a problem once when it starts and once when it ends. A
     * nearly full disk can fail and recover every few seconds (a rewrite frees what appends then use
     * up): the same problem coming back within {@link #QUIET} of its report is not reported again.
     */
    private void writeOnce() {
        boolean healthy;
        try {
            flush();
            synchronized (writeLock) {
                healthy = !torn && !rewriteFailing;
            }
        } catch (IOException | RuntimeException e) {
            // Keep trying: the words are still in memory, and the outbox's own disk checks raise the alarm.
            report(e);
            return;
        }
        if (problem != null && healthy) {
            if (problemReported) {
                log.info("intake checkpoints {}: written again after {} s; every open call's words are on disk", file,
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - problemSince));
            } else {
                log.debug("intake checkpoints {}: written again", file);
            }
            problem = null;
        }
    }

    private void report(Exception e) {
        boolean appending = e instanceof RewriteFailed;
        String reason = reason(appending ? (Exception) e.getCause() : e);
        String key = (appending ? "rewrite: " : "write: ") + reason;
        long now = System.nanoTime();
        if (key.equals(problem)) {
            log.debug("intake checkpoints {}: still cannot {} ({})", file, appending ? "rewrite" : "write", reason);
            return;
        }
        problem = key;
        problemSince = now;
        problemReported = !key.equals(lastReported) || now - lastReportedAt > QUIET.toNanos();
        if (!problemReported) {
            unreported++;
            log.debug("intake checkpoints {}: cannot {} again ({})", file, appending ? "rewrite" : "write", reason);
            return;
        }
        String again = unreported == 0 ? "" : " (it also failed " + unreported + " times since the last report)";
        lastReported = key;
        lastReportedAt = now;
        unreported = 0;
        if (appending) {
            log.warn("intake checkpoints {}: cannot rewrite it ({}){}; callers' words are still appended, the file grows "
                    + "past its bound until it works", file, reason, again);
        } else {
            log.error("intake checkpoints {}: cannot write ({}){}; callers' words are kept in memory and written once it "
                    + "works again (a server killed meanwhile loses what was not written)", file, reason, again);
        }
    }

    /** One line for an operator: what the disk said, not a Java class name. */
    static String reason(Exception e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() == null ? "" : ": " + f.getFile());
        }
        String message = e.getMessage();
        if (e instanceof FileNotFoundException && message != null && message.endsWith(")")
                && message.contains(" (")) {
            // FileOutputStream says "<path> (<reason>)"
            int open = message.lastIndexOf(" (");
            return message.substring(open + 2, message.length() - 1) + ": " + message.substring(0, open);
        }
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private void writeLoop() {
        try {
            while (!stopping.await(INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
                writeOnce();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Replaces the file by one holding only the open calls (write, sync, rename, sync the directory).
     * A failure before the rename leaves the file and the stream appending to it as they were; a
     * failure after it leaves {@link #torn} set, so nothing is appended to a file that is gone.
     */
    private void rewrite() throws IOException {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        StringBuilder lines = new StringBuilder();
        open.values().forEach(c -> lines.append(Json.write(c)).append('\n'));
        byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
        try {
            // A stream on a FileOutputStream, not Files.newOutputStream: its FileChannel would close on an interrupt.
            try (FileOutputStream o = new FileOutputStream(tmp.toFile())) {
                o.write(bytes);
                o.getFD().sync();
            }
        } catch (IOException e) {
            try {
                if (Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(tmp); // half a copy: a full disk needs every byte back
                }
            } catch (IOException | RuntimeException ignored) {
                // reported through the write's own failure
            }
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        torn = true; // until the stream appends to the new file
        try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the rename is still atomic.
        }
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // the old file is gone from the directory; nothing of it is needed
            }
        }
        out = new FileOutputStream(file.toFile(), true);
        written = bytes.length;
        torn = false;
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
        } else if (!UniqueId.isAsterisk(c.id()) || c.key() != null && !c.key().startsWith(c.id() + "#")) {
            // Not logged: a damaged id may be a phone number, and would become a draft's id.
            log.warn("{}:{}: checkpoint whose call id is not an Asterisk unique id, skipped", file, n);
        } else if (Checkpoint.SETTLED.equals(c.op())) {
            open.remove(c.name());
        } else if (Checkpoint.HEARD.equals(c.op())) {
            open.remove(c.name()); // re-insert: the order is that of the calls' latest words
            open.put(c.name(), c.withHeard(c.heard() == null ? "" : c.heard()));
        } else {
            String op = c.op() == null ? "" : c.op();
            log.warn("{}:{}: unknown checkpoint '{}', skipped", file, n,
                    PersonalData.mask(op.length() > 40 ? op.substring(0, 40) + "..." : op));
        }
    }

    /**
     * Writes what is pending and stops. Calls still open stay in the file: their drafts were not
     * written (the outbox refused them, or the server stops mid-intake), so the next start recovers them.
     * The file is not compacted here: the next start rewrites it anyway.
     */
    @Override
    public void close() throws IOException {
        stopping.countDown();
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
                if (out != null) {
                    out.close();
                }
            }
        }
    }
}
