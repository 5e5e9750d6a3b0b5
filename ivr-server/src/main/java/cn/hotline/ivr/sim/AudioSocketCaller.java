package cn.hotline.ivr.sim;

import cn.hotline.ivr.media.AudioSocketFrame;
import cn.hotline.ivr.media.Pcm;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Plays Asterisk's side of one AudioSocket stream as app_audiosocket and res_audiosocket do since
 * the March 2025 fix (asterisk/asterisk PR 1138; before it every ending returned -1): connects, sends the UUID frame, streams the caller's audio in real
 * time as slin frames of the caller's packet size (20 ms = 320 bytes unless {@link Options#packetMs}
 * says otherwise; then line silence, as a quiet caller still produces frames), optionally presses a
 * key (0x03), and reads what the server sends the way ast_audiosocket_receive_frame_with_hangup does:
 * {@code 0x00} or a close ends the application with 0; any kind other than audio, an empty audio
 * frame, a frame cut off by the close, or a payload that is not there 5 ms after its header ends it
 * with -1 ({@link Ending#ASTERISK_REFUSED}). When the caller "hangs up" it just closes the TCP
 * connection, never sending {@code 0x00}.
 */
public final class AudioSocketCaller {
    /** res_audiosocket waits this long (ast_wait_for_input(svc, 5)) for the rest of a payload, then gives up. */
    static final int PAYLOAD_WAIT_MS = 5;

    private AudioSocketCaller() {
    }

    /**
     * @param hangUpAfter the caller hangs up (closes) if the server has not ended the stream by then
     * @param dtmf        a key to press ({@code 0} for none)
     * @param dtmfAt      when to press it, from the start of the stream
     * @param packetMs    the caller's packet time: Asterisk forwards each packet as one frame (10 ms = 160
     *                    bytes, 20 ms = 320, 30 ms = 480, ...)
     */
    public record Options(Duration hangUpAfter, char dtmf, Duration dtmfAt, int packetMs) {
        public Options {
            if (packetMs < 10 || packetMs > 300 || packetMs % 10 != 0) {
                throw new IllegalArgumentException("packetMs must be a multiple of 10 between 10 and 300, got " + packetMs);
            }
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(60), (char) 0, Duration.ZERO, 20);
        }

        public Options withHangUpAfter(Duration d) {
            return new Options(d, dtmf, dtmfAt, packetMs);
        }

        public Options withDtmf(char digit, Duration at) {
            return new Options(hangUpAfter, digit, at, packetMs);
        }

        public Options withPacketMs(int ms) {
            return new Options(hangUpAfter, dtmf, dtmfAt, ms);
        }
    }

    public enum Ending {
        /** The server sent 0x00 (Asterisk's AudioSocket() returns 0, the AGI session continues). */
        SERVER_HANGUP,
        /** The server closed the connection without 0x00 (also returns 0). */
        SERVER_CLOSED,
        /**
         * Asterisk could not take what the server sent (a kind other than 0x00 or audio, an empty audio
         * frame, a frame cut short, a payload late): AudioSocket() logs an error and returns -1, the
         * channel stays up. {@link Result#error} says which.
         */
        ASTERISK_REFUSED,
        /** We hung up (hangUpAfter reached). */
        CALLER_HUNG_UP,
        /** Could not connect. */
        CONNECT_FAILED
    }

    /**
     * What happened. Times are milliseconds from the moment the UUID frame was sent; -1 when it never happened.
     *
     * @param promptFrames     audio frames from the server that were not pure silence (a prompt)
     * @param lastPromptMs     when the last non-silent server frame arrived
     * @param endedMs          when the stream ended (0x00 or close seen, or our hang-up)
     * @param maxLateMs        how far behind real time our own sending fell at worst (a starved simulator)
     * @param maxAheadMs       how far the server's audio ran ahead of real time at worst, counted from its
     *                         first audio frame: Asterisk writes each frame to the caller as it arrives, so
     *                         audio sent faster than it plays is not buffered but garbled, and cannot be
     *                         taken back on barge-in
     */
    public record Result(
            Ending ending,
            int framesSent,
            int framesReceived,
            int promptFrames,
            long firstPromptMs,
            long lastPromptMs,
            long endedMs,
            long maxLateMs,
            long maxAheadMs,
            String error) {
    }

    /**
     * The FastAGI simulator's {@code EXEC AudioSocket <uuid>,<host:port>}: streams {@code wav} (null: a
     * silent caller) and returns what Asterisk's application returns: 0 when the server ended the
     * stream (0x00 or close), -1 when it could not connect or refused a frame; when the caller hung up first it throws
     * {@link SimulatedCall.CallerHungUp}, so the simulator answers -1 and then reports the hang-up to the
     * AGI session (the bare HANGUP line), as Asterisk does.
     */
    public static int exec(String uuid, InetSocketAddress server, Path wav, Options options) throws IOException {
        Result r = run(server, UUID.fromString(uuid), wav, options);
        if (r.ending() == Ending.CALLER_HUNG_UP) {
            throw new SimulatedCall.CallerHungUp();
        }
        return r.ending() == Ending.SERVER_HANGUP || r.ending() == Ending.SERVER_CLOSED ? 0 : -1;
    }

    /** Streams a WAV file (any rate, resampled to 8 kHz mono); {@code wav} null streams line silence only. */
    public static Result run(InetSocketAddress server, UUID uuid, Path wav, Options options) throws IOException {
        Pcm audio = wav == null ? new Pcm(Pcm.TELEPHONY_RATE, new short[0]) : Pcm.readWav(wav).toTelephony();
        return run(server, uuid, audio, options);
    }

    /** Streams 8 kHz audio already in memory (the benchmark pre-loads its clips). */
    public static Result run(InetSocketAddress server, UUID uuid, Pcm audio8k, Options options) {
        if (audio8k.sampleRate() != Pcm.TELEPHONY_RATE) {
            throw new IllegalArgumentException("audio must be 8 kHz, got " + audio8k.sampleRate());
        }
        byte[] pcm = audio8k.toBytes();
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(server, 5_000);
        } catch (IOException e) {
            closeQuietly(socket);
            return new Result(Ending.CONNECT_FAILED, 0, 0, 0, -1, -1, -1, 0, 0, e.toString());
        }
        Reader reader = new Reader(socket);
        int sent = 0;
        long t0 = System.nanoTime();
        reader.t0 = t0;
        Thread readerThread = Thread.ofVirtual().name("audiosocket-caller-read").start(reader);
        String error = null;
        boolean weHungUp = false;
        long maxLate = 0;
        try {
            OutputStream out = socket.getOutputStream();
            out.write(encode(AudioSocketFrame.uuid(uuid)));
            long dtmfAtNanos = options.dtmf() == 0 ? Long.MAX_VALUE : options.dtmfAt().toNanos();
            long hangUpNanos = options.hangUpAfter().toNanos();
            long packetNanos = TimeUnit.MILLISECONDS.toNanos(options.packetMs());
            int packetBytes = options.packetMs() * Pcm.TELEPHONY_RATE / 1000 * 2;
            byte[] frame = new byte[AudioSocketFrame.HEADER_BYTES + packetBytes];
            frame[0] = (byte) AudioSocketFrame.AUDIO;
            frame[1] = (byte) (packetBytes >> 8);
            frame[2] = (byte) packetBytes;
            for (int i = 0; ; i++) {
                long due = t0 + i * packetNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else {
                    maxLate = Math.max(maxLate, -wait);
                }
                if (reader.ended) {
                    break;
                }
                if (i * packetNanos >= hangUpNanos) {
                    weHungUp = true;
                    break;
                }
                int off = i * packetBytes;
                java.util.Arrays.fill(frame, AudioSocketFrame.HEADER_BYTES, frame.length, (byte) 0);
                if (off < pcm.length) {
                    System.arraycopy(pcm, off, frame, AudioSocketFrame.HEADER_BYTES,
                            Math.min(packetBytes, pcm.length - off));
                }
                out.write(frame);
                sent++;
                if (i * packetNanos >= dtmfAtNanos) {
                    out.write(encode(AudioSocketFrame.dtmf(options.dtmf())));
                    dtmfAtNanos = Long.MAX_VALUE;
                }
            }
        } catch (IOException e) {
            if (!reader.ended) {
                error = e.toString();
            }
        } finally {
            closeQuietly(socket);
        }
        try {
            readerThread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Ending ending;
        long endedMs;
        if (reader.hangupMs >= 0) {
            ending = Ending.SERVER_HANGUP;
            endedMs = reader.hangupMs;
        } else if (reader.refusedMs >= 0) {
            ending = Ending.ASTERISK_REFUSED;
            endedMs = reader.refusedMs;
        } else if (weHungUp || reader.closedMs < 0) {
            ending = Ending.CALLER_HUNG_UP;
            endedMs = (System.nanoTime() - t0) / 1_000_000;
        } else {
            ending = Ending.SERVER_CLOSED;
            endedMs = reader.closedMs;
        }
        return new Result(ending, sent, reader.frames, reader.promptFrames, reader.firstPromptMs,
                reader.lastPromptMs, endedMs, maxLate / 1_000_000, reader.maxAheadMs,
                error != null ? error : reader.error);
    }

    static byte[] encode(AudioSocketFrame f) {
        byte[] out = new byte[AudioSocketFrame.HEADER_BYTES + f.payload().length];
        out[0] = (byte) f.kind();
        out[1] = (byte) (f.payload().length >> 8);
        out[2] = (byte) f.payload().length;
        System.arraycopy(f.payload(), 0, out, AudioSocketFrame.HEADER_BYTES, f.payload().length);
        return out;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    /** Reads the server's frames until 0x00 or close. */
    private static final class Reader implements Runnable {
        private final Socket socket;
        volatile long t0;
        volatile boolean ended;
        volatile int frames;
        volatile int promptFrames;
        volatile long firstPromptMs = -1;
        volatile long lastPromptMs = -1;
        volatile long hangupMs = -1;
        volatile long closedMs = -1;
        volatile long refusedMs = -1;
        volatile long maxAheadMs;
        private long firstAudioNanos = -1;
        private long audioBytes;
        volatile String error;

        Reader(Socket socket) {
            this.socket = socket;
        }

        private long now() {
            return (System.nanoTime() - t0) / 1_000_000;
        }

        /** As ast_audiosocket_receive_frame_with_hangup reads one frame, and what app_audiosocket then does. */
        @Override
        public void run() {
            try {
                DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
                while (true) {
                    socket.setSoTimeout(0);
                    int kind = in.read();
                    if (kind < 0) {
                        closedMs = now(); // socket closed: *hangup = 1, the application returns 0
                        return;
                    }
                    byte[] rest = new byte[2];
                    if (in.readNBytes(rest, 0, 2) < 2 || kind == AudioSocketFrame.HANGUP) {
                        // Its header loop stops at a read of 0 bytes and counts that as a closure, whatever it read before.
                        if (kind == AudioSocketFrame.HANGUP) {
                            frames++;
                            hangupMs = now();
                        } else {
                            closedMs = now();
                        }
                        return;
                    }
                    if (kind < AudioSocketFrame.AUDIO || kind > 0x18) {
                        refuse("Received AudioSocket message other than hangup or audio (kind "
                                + AudioSocketFrame.kindName(kind) + ")");
                        return;
                    }
                    int length = ((rest[0] & 0xFF) << 8) | (rest[1] & 0xFF);
                    if (length < 1) {
                        refuse("Invalid message length received from AudioSocket server (0)");
                        return;
                    }
                    byte[] payload = new byte[length];
                    socket.setSoTimeout(PAYLOAD_WAIT_MS);
                    try {
                        if (in.readNBytes(payload, 0, length) < length) {
                            refuse("Insufficient payload read from AudioSocket (closed inside a frame)");
                            return;
                        }
                    } catch (java.net.SocketTimeoutException e) {
                        refuse("Poll timed out while waiting for data (payload not there " + PAYLOAD_WAIT_MS
                                + " ms after its header)");
                        return;
                    }
                    frames++;
                    if (kind == AudioSocketFrame.AUDIO) {
                        long nowNanos = System.nanoTime();
                        if (firstAudioNanos < 0) {
                            firstAudioNanos = nowNanos;
                        }
                        audioBytes += length;
                        long aheadMs = audioBytes / 16 - (nowNanos - firstAudioNanos) / 1_000_000;
                        maxAheadMs = Math.max(maxAheadMs, aheadMs);
                    }
                    if (kind == AudioSocketFrame.AUDIO && !silent(payload)) {
                        promptFrames++;
                        long t = now();
                        if (firstPromptMs < 0) {
                            firstPromptMs = t;
                        }
                        lastPromptMs = t;
                    }
                }
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    closedMs = now();
                    error = e.toString();
                }
            } finally {
                // Ended before the socket closes: the sending side's write then fails on a call that is over,
                // which is no error of its own (it was taken for one, now and then, instead of the refusal).
                ended = true;
                closeQuietly(socket);
            }
        }

        private void refuse(String why) {
            refusedMs = now();
            error = why;
        }

        private static boolean silent(byte[] payload) {
            for (byte b : payload) {
                if (b != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
