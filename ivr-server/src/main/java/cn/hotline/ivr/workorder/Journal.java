package cn.hotline.ivr.workorder;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of typed records in numbered segment files, each record framed as
 * {@code magic, length, CRC32C, body} so a damaged record is detected, copied to {@code quarantine/}
 * and skipped while every other record still replays.
 *
 * <p>Durability by group commit: {@link #append} only writes to the page cache and returns a ticket;
 * {@link #awaitDurable} waits until one fsync covers that ticket, run by the first waiter (the
 * leader) while the others wait for it. Concurrent writers therefore share fsyncs, so the wait stays
 * near one or two fsyncs however many calls persist at once, and a lone writer pays just its own.
 *
 * <p>Compaction is the owner's job: {@link #rollForSnapshot()} seals the current segment and returns a
 * free range of segment numbers below the new current one; the owner writes the live records there
 * with {@link #writeSnapshot} and drops everything older with {@link #deleteBelow}. Replay in segment order
 * then yields the same state even if the process dies half-way.
 *
 * <p>One process writes a journal at a time ({@code journal.lock}); {@link #read} replays it read-only
 * for inspection while a server holds it.
 */
final class Journal implements Closeable {
    static final int MAGIC = 0x49564a31;
    static final int HEADER = 12;
    static final int MAX_BODY = 16 << 20;
    /** Segment numbers reserved for one compaction snapshot. */
    static final long SNAPSHOT_SPAN = 1 << 20;
    private static final java.time.Duration BACKGROUND_SYNC = java.time.Duration.ofMillis(20);
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final String PREFIX = "journal-";
    private static final String SUFFIX = ".log";

    /** Where a record starts. */
    record Position(long segment, long offset) {
    }

    /** One record to write. */
    record Rec(byte type, byte[] payload) {
    }

    interface Replay {
        void record(byte type, byte[] payload, Position at);
    }

    private final Path dir;
    private final long segmentBytes;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition synced = lock.newCondition();
    private final TreeMap<Long, Long> sealed = new TreeMap<>();
    private final List<Quarantined> corruptions = new ArrayList<>();
    // Written through RandomAccessFile, not FileChannel: a caller thread interrupted mid-write
    // (a call hanging up) would close an interruptible channel for everyone.
    private RandomAccessFile current;
    private long currentNumber;
    private long currentSize;
    private long appended;
    private long durable;
    private IOException failure;
    private boolean syncing;
    private boolean closed;
    private volatile long diskBytes;
    private final Thread syncer;

    private Journal(Path dir, long segmentBytes, FileChannel lockChannel, FileLock fileLock) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
        this.syncer = Thread.ofPlatform().daemon().name("journal-sync-" + dir.getFileName()).unstarted(this::syncLoop);
    }

    /** Opens (creating) the journal for writing, replaying every valid record in order. */
    static Journal open(Path dir, long segmentBytes, Replay replay) throws IOException {
        Files.createDirectories(dir);
        FileChannel lockChannel = FileChannel.open(dir.resolve("journal.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock fileLock;
        try {
            fileLock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            fileLock = null;
        }
        if (fileLock == null) {
            lockChannel.close();
            throw new Outbox.InUseException(dir + " is in use by another process (a running server?); stop it or work on a copy");
        }
        Journal journal = new Journal(dir, segmentBytes, lockChannel, fileLock);
        try {
            journal.recover(replay);
        } catch (IOException | RuntimeException e) {
            journal.releaseLock();
            throw e;
        }
        journal.syncer.start();
        return journal;
    }

    /** Replays a journal without locking or changing it; an incomplete last record is taken to be in flight. */
    static List<Quarantined> read(Path dir, Replay replay) throws IOException {
        List<Quarantined> found = new ArrayList<>();
        List<Long> numbers = segmentNumbers(dir);
        for (int i = 0; i < numbers.size(); i++) {
            Path file = segmentFile(dir, numbers.get(i));
            byte[] data;
            try {
                data = Files.readAllBytes(file);
            } catch (java.nio.file.NoSuchFileException e) {
                // Compacted away while we listed: its records moved to a segment we did not list.
                throw new java.util.ConcurrentModificationException("journal " + dir + " was compacted while being read");
            }
            scan(file.getFileName().toString(), numbers.get(i), data, i == numbers.size() - 1, replay, found);
        }
        if (!found.isEmpty() && found.get(found.size() - 1).reason().startsWith(TORN)) {
            found.remove(found.size() - 1);
        }
        return found;
    }

    private static final String TORN = "incomplete record at the end of the newest segment";

    private void recover(Replay replay) throws IOException {
        try (DirectoryStream<Path> tmp = Files.newDirectoryStream(dir, "*.tmp")) {
            for (Path p : tmp) {
                Files.delete(p); // a snapshot that never finished; the segments it replaced are still there
            }
        }
        List<Long> numbers = segmentNumbers(dir);
        long validEnd = 0;
        for (int i = 0; i < numbers.size(); i++) {
            long number = numbers.get(i);
            Path file = segmentFile(dir, number);
            byte[] data = Files.readAllBytes(file);
            List<Quarantined> found = new ArrayList<>();
            long end = scan(file.getFileName().toString(), number, data, i == numbers.size() - 1, replay, found);
            for (Quarantined c : found) {
                int from = (int) c.offset();
                corruptions.add(quarantine(c, Arrays.copyOfRange(data, from, from + c.bytes())));
            }
            if (i < numbers.size() - 1) {
                sealed.put(number, (long) data.length);
            } else {
                validEnd = end;
            }
        }
        if (numbers.isEmpty()) {
            currentNumber = 1;
            current = new RandomAccessFile(segmentFile(dir, 1).toFile(), "rw");
            syncDirectory();
        } else {
            currentNumber = numbers.get(numbers.size() - 1);
            current = new RandomAccessFile(segmentFile(dir, currentNumber).toFile(), "rw");
            current.setLength(validEnd); // garbage after the last good record was quarantined above
            current.seek(validEnd);
            current.getFD().sync();
        }
        currentSize = validEnd;
        updateDiskBytes();
    }

    /** Returns the end of the last valid record. */
    private static long scan(String name, long number, byte[] data, boolean newest, Replay replay, List<Quarantined> found) {
        ByteBuffer b = ByteBuffer.wrap(data);
        int pos = 0;
        int validEnd = 0;
        while (pos < data.length) {
            String problem = check(b, pos);
            if (problem == null) {
                int len = b.getInt(pos + 4);
                byte[] payload = Arrays.copyOfRange(data, pos + HEADER + 1, pos + HEADER + len);
                replay.record(data[pos + HEADER], payload, new Position(number, pos));
                pos += HEADER + len;
                validEnd = pos;
                continue;
            }
            int next = resync(b, pos + 1);
            String reason = next == data.length && newest
                    ? TORN + " (a write cut short by a crash; its persist never returned): " + problem
                    : problem;
            found.add(new Quarantined(name, pos, next - pos, reason, null));
            pos = next;
        }
        return validEnd;
    }

    /** Null when a whole valid record starts at {@code pos}, else what is wrong. */
    private static String check(ByteBuffer b, int pos) {
        int size = b.limit();
        if (size - pos < HEADER + 1) {
            return "truncated header";
        }
        if (b.getInt(pos) != MAGIC) {
            return "bad record marker";
        }
        int len = b.getInt(pos + 4);
        if (len < 1 || len > MAX_BODY) {
            return "impossible record length " + len;
        }
        if ((long) pos + HEADER + len > size) {
            return "record of " + len + " bytes runs past the end of the file";
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), pos + HEADER, len);
        if ((int) crc.getValue() != b.getInt(pos + 8)) {
            return "checksum mismatch";
        }
        return null;
    }

    private static int resync(ByteBuffer b, int from) {
        for (int i = from; i + HEADER < b.limit(); i++) {
            if (b.getInt(i) == MAGIC && check(b, i) == null) {
                return i;
            }
        }
        return b.limit();
    }

    private Quarantined quarantine(Quarantined c, byte[] bytes) throws IOException {
        Path qdir = dir.resolve("quarantine");
        Files.createDirectories(qdir);
        Path file = qdir.resolve(c.segment() + "@" + c.offset() + ".bin");
        if (!Files.exists(file)) {
            Files.write(file, bytes);
            Files.writeString(qdir.resolve(file.getFileName() + ".txt"), c.reason() + "\n");
        }
        LOG.error("outbox journal {}: {} bytes at {} offset {} quarantined to {}: {}",
                dir, c.bytes(), c.segment(), c.offset(), file, c.reason());
        return new Quarantined(c.segment(), c.offset(), c.bytes(), c.reason(), file);
    }

    /** A record whose frame is fine but whose content the owner cannot use (e.g. unreadable JSON). */
    Quarantined quarantine(Position at, byte type, byte[] payload, String reason) throws IOException {
        byte[] bytes = encode(type, payload).array();
        Quarantined c = quarantine(new Quarantined(segmentFile(dir, at.segment()).getFileName().toString(),
                at.offset(), bytes.length, reason, null), bytes);
        corruptions.add(c);
        return c;
    }

    /** Everything quarantined while opening. */
    List<Quarantined> corruptions() {
        return List.copyOf(corruptions);
    }

    static ByteBuffer encode(byte type, byte[] payload) {
        int len = payload.length + 1;
        if (len > MAX_BODY) {
            throw new IllegalArgumentException("record of " + len + " bytes exceeds the journal limit of " + MAX_BODY);
        }
        ByteBuffer buf = ByteBuffer.allocate(HEADER + len);
        buf.putInt(MAGIC).putInt(len).putInt(0).put(type).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), HEADER, len);
        buf.putInt(8, (int) crc.getValue());
        return buf.flip();
    }

    /** Writes a record to the page cache; returns a ticket for {@link #awaitDurable}. */
    long append(byte type, byte[] payload) throws IOException {
        ByteBuffer buf = encode(type, payload);
        int size = buf.remaining();
        lock.lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (failure != null) {
                throw new IOException("journal " + dir + " failed earlier: " + failure.getMessage(), failure);
            }
            if (currentSize > 0 && currentSize + size > segmentBytes) {
                rollLocked(currentNumber + 1);
            }
            try {
                current.write(buf.array(), 0, size);
            } catch (IOException e) {
                current.setLength(currentSize); // e.g. disk full: leave no half record behind
                current.seek(currentSize);
                throw e;
            }
            currentSize += size;
            updateDiskBytes();
            appended++; // no signal to the background syncer: the persist waiting for this leads its own sync
            return appended;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once every record up to {@code ticket} is on disk. The first waiter finding no sync in
     * progress runs it itself (covering everything appended so far) while later ones wait for it or
     * lead the next: group commit without handing each persist to another thread and back.
     */
    void awaitDurable(long ticket) throws IOException {
        lock.lock();
        try {
            while (durable < ticket) {
                if (failure != null) {
                    throw new IOException("journal " + dir + " cannot sync: " + failure.getMessage(), failure);
                }
                if (closed) {
                    throw new ClosedChannelException();
                }
                if (syncing) {
                    synced.awaitUninterruptibly();
                } else {
                    leadSync();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Syncs everything appended so far; called and returns with the lock held, released during the
     * fsync. FileDescriptor.sync, not FileChannel.force: a persisting call thread may carry an
     * interrupt, which would close an interruptible channel for everyone.
     */
    private void leadSync() {
        syncing = true;
        long target = appended;
        RandomAccessFile file = current;
        lock.unlock();
        IOException error = null;
        try {
            file.getFD().sync();
        } catch (IOException e) {
            error = e;
        } finally {
            lock.lock();
        }
        syncing = false;
        if (error != null) {
            LOG.error("outbox journal {}: fsync failed, refusing further writes: {}", dir, error.toString());
            failure = error;
        } else {
            durable = Math.max(durable, target);
        }
        synced.signalAll();
    }

    /** Makes records nobody waits for (delivery marks) durable within about {@link #BACKGROUND_SYNC}. */
    private void syncLoop() {
        lock.lock();
        try {
            while (!closed) {
                work.awaitNanos(BACKGROUND_SYNC.toNanos());
                if (!closed && appended > durable && !syncing && failure == null) {
                    leadSync();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private void rollLocked(long next) throws IOException {
        while (syncing) {
            synced.awaitUninterruptibly(); // never close the file under a leader's fsync
        }
        current.getFD().sync();
        current.close();
        sealed.put(currentNumber, currentSize);
        Path file = segmentFile(dir, next);
        if (Files.exists(file)) {
            throw new IOException("journal segment " + file + " already exists; the outbox directory was tampered with");
        }
        current = new RandomAccessFile(file.toFile(), "rw");
        syncDirectory();
        currentNumber = next;
        currentSize = 0;
        durable = appended;
        synced.signalAll();
        updateDiskBytes();
    }

    /**
     * Seals the current segment and starts a new one {@link #SNAPSHOT_SPAN} numbers further on;
     * returns the first of the numbers in between, where a snapshot of the state so far goes.
     */
    long rollForSnapshot() throws IOException {
        lock.lock();
        try {
            long snapshot = currentNumber + 1;
            rollLocked(currentNumber + 1 + SNAPSHOT_SPAN);
            return snapshot;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes a snapshot into segments numbered from {@code first}, each at most segment-bytes (so
     * replay never reads one huge file), each made durable and renamed into place atomically. A crash
     * half-way leaves some of them next to the older segments they copy, which replays to the same state.
     */
    void writeSnapshot(long first, Iterable<Rec> records) throws IOException {
        long number = first;
        SnapshotFile file = new SnapshotFile(number);
        for (Rec r : records) {
            ByteBuffer buf = encode(r.type(), r.payload());
            if (file.size > 0 && file.size + buf.limit() > segmentBytes) {
                file.finish();
                if (++number >= first + SNAPSHOT_SPAN - 1) {
                    throw new IOException("snapshot needs more than " + SNAPSHOT_SPAN + " segments; raise outbox.segment-bytes");
                }
                file = new SnapshotFile(number);
            }
            file.write(buf);
        }
        file.finish();
        syncDirectory();
    }

    /** One segment of a snapshot, written to a temporary file first. */
    private final class SnapshotFile {
        private final long number;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream out;
        private long size;

        SnapshotFile(long number) throws IOException {
            this.number = number;
            this.tmp = dir.resolve(segmentFile(dir, number).getFileName() + ".tmp");
            this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        }

        void write(ByteBuffer buf) throws IOException {
            out.write(buf.array(), 0, buf.limit());
            size += buf.limit();
        }

        void finish() throws IOException {
            try (channel) {
                out.flush();
                channel.force(false);
            }
            Path target = segmentFile(dir, number);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            lock.lock();
            try {
                sealed.put(number, size);
                updateDiskBytes();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Deletes every segment numbered below {@code number}. */
    void deleteBelow(long number) throws IOException {
        List<Long> doomed;
        lock.lock();
        try {
            doomed = new ArrayList<>(sealed.headMap(number).keySet());
        } finally {
            lock.unlock();
        }
        for (long n : doomed) {
            Files.deleteIfExists(segmentFile(dir, n));
        }
        syncDirectory();
        lock.lock();
        try {
            doomed.forEach(sealed::remove);
            updateDiskBytes();
        } finally {
            lock.unlock();
        }
    }

    long diskBytes() {
        return diskBytes;
    }

    private void updateDiskBytes() {
        long sum = currentSize;
        for (long s : sealed.values()) {
            sum += s;
        }
        diskBytes = sum;
    }

    private void syncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    static Path segmentFile(Path dir, long number) {
        return dir.resolve(String.format("%s%016d%s", PREFIX, number, SUFFIX));
    }

    static List<Long> segmentNumbers(Path dir) throws IOException {
        List<Long> numbers = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return numbers;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path p : files) {
                String n = p.getFileName().toString();
                try {
                    numbers.add(Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length())));
                } catch (NumberFormatException e) {
                    LOG.warn("outbox journal {}: ignoring stray file {}", dir, n);
                }
            }
        }
        numbers.sort(null);
        return numbers;
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            syncer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            while (syncing) {
                synced.awaitUninterruptibly();
            }
            current.getFD().sync();
            durable = appended;
            synced.signalAll();
            current.close();
        } finally {
            lock.unlock();
            releaseLock();
        }
    }

    private void releaseLock() throws IOException {
        fileLock.release();
        lockChannel.close();
    }
}
