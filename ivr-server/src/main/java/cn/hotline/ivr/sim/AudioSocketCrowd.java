package cn.hotline.ivr.sim;

import cn.hotline.ivr.media.AudioSocketFrame;
import cn.hotline.ivr.media.Pcm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Many simulated Asterisk AudioSocket streams on one thread, for load tests: the same wire
 * behaviour as {@link AudioSocketCaller} (UUID first, 320-byte slin frames every 20 ms in real time,
 * line silence after the audio, stop on the server's 0x00 or close, hang up by closing), but driven
 * by a few selector loops like Asterisk's own, so hundreds of streams do not cost hundreds of
 * threads waking every 20 ms. Results are {@link AudioSocketCaller.Result}s.
 */
public final class AudioSocketCrowd implements AutoCloseable {
    private static final long FRAME_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Loop[] loops;
    private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();

    /** {@code threads} event loops share the streams (Asterisk itself runs a few). */
    public AudioSocketCrowd(int threads) throws IOException {
        loops = new Loop[Math.max(1, threads)];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop("audiosocket-crowd-" + i);
        }
    }

    /** Starts one stream; the future completes when it ends. */
    public CompletableFuture<AudioSocketCaller.Result> call(InetSocketAddress server, UUID uuid, Pcm audio8k, java.time.Duration hangUpAfter) {
        if (audio8k.sampleRate() != Pcm.TELEPHONY_RATE) {
            throw new IllegalArgumentException("audio must be 8 kHz, got " + audio8k.sampleRate());
        }
        Stream s = new Stream(server, uuid, audio8k.toBytes(), hangUpAfter.toNanos());
        Loop loop = loops[Math.floorMod(next.getAndIncrement(), loops.length)];
        loop.incoming.add(s);
        loop.selector.wakeup();
        return s.done;
    }

    @Override
    public void close() {
        for (Loop l : loops) {
            l.close();
        }
    }

    private static final class Loop {
        final Selector selector;
        final Thread thread;
        final Queue<Stream> incoming = new ConcurrentLinkedQueue<>();
        final List<Stream> streams = new ArrayList<>();
        volatile boolean closed;

        Loop(String name) throws IOException {
            selector = Selector.open();
            thread = new Thread(this::run, name);
            thread.setDaemon(true);
            thread.start();
        }

        void close() {
            closed = true;
            selector.wakeup();
            try {
                thread.join(2000);
                selector.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // closing anyway
            }
        }

        private void run() {
            try {
                while (!closed) {
                    Stream s;
                    while ((s = incoming.poll()) != null) {
                        s.open(selector);
                        streams.add(s);
                    }
                    long now = System.nanoTime();
                    long nextDue = now + FRAME_NANOS;
                    for (Iterator<Stream> it = streams.iterator(); it.hasNext(); ) {
                        Stream st = it.next();
                        st.sendDue(now);
                        if (st.finished()) {
                            it.remove();
                        } else if (st.started) {
                            nextDue = Math.min(nextDue, st.nextFrameAt());
                        }
                    }
                    long waitMs = Math.max(1, (nextDue - System.nanoTime() + 999_999) / 1_000_000);
                    selector.select(waitMs);
                    for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                        SelectionKey key = it.next();
                        it.remove();
                        Stream st = (Stream) key.attachment();
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isConnectable()) {
                            st.connected(key);
                        } else if (key.isReadable()) {
                            st.read();
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                for (Stream st : streams) {
                    st.fail(e.toString());
                }
            }
            for (Stream st : streams) {
                st.finish(AudioSocketCaller.Ending.CALLER_HUNG_UP);
            }
        }
    }

    private static final class Stream {
        final InetSocketAddress server;
        final UUID uuid;
        final byte[] pcm;
        final long hangUpNanos;
        final CompletableFuture<AudioSocketCaller.Result> done = new CompletableFuture<>();
        final ByteBuffer in = ByteBuffer.allocate(8192);
        final ByteBuffer out = ByteBuffer.allocate(4096);
        SocketChannel channel;
        boolean started;
        long t0;
        int sent;
        int received;
        int prompt;
        long firstPromptMs = -1;
        long lastPromptMs = -1;
        long maxLate;
        long maxAheadMs;
        private long firstAudioNanos = -1;
        private long audioBytes;

        Stream(InetSocketAddress server, UUID uuid, byte[] pcm, long hangUpNanos) {
            this.server = server;
            this.uuid = uuid;
            this.pcm = pcm;
            this.hangUpNanos = hangUpNanos;
            out.flip();
        }

        void open(Selector selector) {
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.socket().setTcpNoDelay(true);
                if (channel.connect(server)) {
                    channel.register(selector, SelectionKey.OP_READ, this);
                    start();
                } else {
                    channel.register(selector, SelectionKey.OP_CONNECT, this);
                }
            } catch (IOException e) {
                fail(e.toString());
            }
        }

        void connected(SelectionKey key) {
            try {
                channel.finishConnect();
                key.interestOps(SelectionKey.OP_READ);
                start();
            } catch (IOException e) {
                fail(e.toString());
            }
        }

        private void start() {
            started = true;
            t0 = System.nanoTime();
            queue(AudioSocketCaller.encode(AudioSocketFrame.uuid(uuid)));
        }

        long nextFrameAt() {
            return t0 + sent * FRAME_NANOS;
        }

        boolean finished() {
            return done.isDone();
        }

        void sendDue(long now) {
            if (!started || finished()) {
                return;
            }
            if (now - t0 >= hangUpNanos) {
                finish(AudioSocketCaller.Ending.CALLER_HUNG_UP);
                return;
            }
            while (nextFrameAt() <= now) {
                maxLate = Math.max(maxLate, now - nextFrameAt());
                byte[] frame = new byte[AudioSocketFrame.HEADER_BYTES + AudioSocketFrame.FRAME_BYTES];
                frame[0] = (byte) AudioSocketFrame.AUDIO;
                frame[1] = (byte) (AudioSocketFrame.FRAME_BYTES >> 8);
                frame[2] = (byte) AudioSocketFrame.FRAME_BYTES;
                int off = sent * AudioSocketFrame.FRAME_BYTES;
                if (off < pcm.length) {
                    System.arraycopy(pcm, off, frame, AudioSocketFrame.HEADER_BYTES,
                            Math.min(AudioSocketFrame.FRAME_BYTES, pcm.length - off));
                }
                sent++;
                queue(frame);
            }
        }

        /** Writes what it can now; like Asterisk, a frame that does not fit is dropped rather than queued without end. */
        private void queue(byte[] bytes) {
            try {
                if (out.hasRemaining()) {
                    channel.write(out);
                }
                if (out.hasRemaining()) {
                    return;
                }
                out.clear();
                out.put(bytes).flip();
                channel.write(out);
            } catch (IOException e) {
                finish(AudioSocketCaller.Ending.SERVER_CLOSED);
            }
        }

        void read() {
            try {
                int n = channel.read(in);
                if (n < 0) {
                    finish(AudioSocketCaller.Ending.SERVER_CLOSED);
                    return;
                }
                in.flip();
                while (in.remaining() >= AudioSocketFrame.HEADER_BYTES) {
                    int kind = in.get(in.position()) & 0xFF;
                    int length = in.getShort(in.position() + 1) & 0xFFFF;
                    if (in.remaining() < AudioSocketFrame.HEADER_BYTES + length) {
                        break;
                    }
                    in.position(in.position() + AudioSocketFrame.HEADER_BYTES);
                    received++;
                    if (kind == AudioSocketFrame.HANGUP) {
                        finish(AudioSocketCaller.Ending.SERVER_HANGUP);
                        return;
                    }
                    if (kind < AudioSocketFrame.AUDIO || kind > 0x18 || length == 0) {
                        // res_audiosocket refuses anything but hangup or non-empty audio: AudioSocket() returns -1.
                        finish(AudioSocketCaller.Ending.ASTERISK_REFUSED);
                        return;
                    }
                    if (kind == AudioSocketFrame.AUDIO) {
                        long now = System.nanoTime();
                        firstAudioNanos = firstAudioNanos < 0 ? now : firstAudioNanos;
                        audioBytes += length;
                        maxAheadMs = Math.max(maxAheadMs, audioBytes / 16 - (now - firstAudioNanos) / 1_000_000);
                    }
                    boolean silent = true;
                    for (int i = 0; i < length; i++) {
                        silent &= in.get() == 0;
                    }
                    if (kind == AudioSocketFrame.AUDIO && !silent) {
                        long t = ms();
                        prompt++;
                        firstPromptMs = firstPromptMs < 0 ? t : firstPromptMs;
                        lastPromptMs = t;
                    }
                }
                in.compact();
            } catch (IOException e) {
                finish(AudioSocketCaller.Ending.SERVER_CLOSED);
            }
        }

        private long ms() {
            return (System.nanoTime() - t0) / 1_000_000;
        }

        void fail(String error) {
            close();
            done.complete(new AudioSocketCaller.Result(AudioSocketCaller.Ending.CONNECT_FAILED, sent, received, prompt,
                    firstPromptMs, lastPromptMs, -1, maxLate / 1_000_000, maxAheadMs, error));
        }

        void finish(AudioSocketCaller.Ending ending) {
            if (done.isDone()) {
                return;
            }
            long ended = started ? ms() : -1;
            close();
            done.complete(new AudioSocketCaller.Result(ending, sent, received, prompt, firstPromptMs, lastPromptMs,
                    ended, maxLate / 1_000_000, maxAheadMs, null));
        }

        private void close() {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                // closing is all we wanted
            }
        }
    }
}
