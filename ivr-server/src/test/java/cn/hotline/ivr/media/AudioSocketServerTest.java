package cn.hotline.ivr.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.media.MediaListener.CloseReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server over real loopback sockets, with a raw socket playing Asterisk. */
class AudioSocketServerTest {
    private AudioSocketServer server;

    /** Records what the server delivers for one session. */
    static final class RecordingListener implements MediaListener {
        final AtomicInteger audioFrames = new AtomicInteger();
        final List<Integer> frameSizes = new CopyOnWriteArrayList<>();
        final java.io.ByteArrayOutputStream audioBytes = new java.io.ByteArrayOutputStream();
        final List<Character> digits = new CopyOnWriteArrayList<>();
        final CompletableFuture<MediaSession> connected = new CompletableFuture<>();
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void connected(MediaSession session) {
            connected.complete(session);
        }

        @Override
        public void audio(MediaSession session, byte[] pcm) {
            threads.add(Thread.currentThread().getName());
            frameSizes.add(pcm.length);
            synchronized (audioBytes) {
                audioBytes.writeBytes(pcm);
            }
            audioFrames.incrementAndGet();
        }

        @Override
        public void dtmf(MediaSession session, char digit) {
            digits.add(digit);
        }

        @Override
        public void closed(MediaSession session, CloseReason reason) {
            closed.complete(reason);
        }
    }

    @BeforeEach
    void start() throws Exception {
        AudioSocketSettings s = AudioSocketSettings.loopback();
        server = new AudioSocketServer(new AudioSocketSettings(s.bind(), "", 640, Duration.ofMillis(400),
                Duration.ofMillis(500), 10, 1), new SimpleMeterRegistry()).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort());
        s.setSoTimeout(3000);
        return s;
    }

    /** A connection that sent its call's UUID and was taken by the server for {@code l}. */
    private Socket connected(UUID id, RecordingListener l) throws Exception {
        Socket s = connect();
        send(s, AudioSocketFrame.uuid(id));
        l.connected.get(2, TimeUnit.SECONDS);
        return s;
    }

    private static void send(Socket s, AudioSocketFrame f) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(f.kind());
        out.write(f.payload().length >> 8);
        out.write(f.payload().length);
        out.write(f.payload());
        out.flush();
    }

    private static AudioSocketFrame read(DataInputStream in) throws IOException {
        int kind = in.readUnsignedByte();
        byte[] p = new byte[in.readUnsignedShort()];
        in.readFully(p);
        return new AudioSocketFrame(kind, p);
    }

    /** Reads until the server closes; returns true if it closed (EOF) rather than timing out. */
    private static boolean closedByServer(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        try {
            while (true) {
                read(in);
            }
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Test
    void registeredCallGetsAudioAndDtmfAndSilenceKeepAliveThenServerEndsWithHangupFrame() throws Exception {
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        MediaSession session = server.expect(id, "call-1", l);
        assertTrue(server.execArgument(id).startsWith(id + ",127.0.0.1:"));
        try (Socket s = connected(id, l)) {
            for (int i = 0; i < 5; i++) {
                send(s, AudioSocketFrame.audio(new byte[320]));
            }
            send(s, AudioSocketFrame.dtmf('5'));
            DataInputStream in = new DataInputStream(s.getInputStream());
            // Nothing to play: the server keeps the stream alive with 320-byte silence frames.
            for (int i = 0; i < 5; i++) {
                AudioSocketFrame f = read(in);
                assertEquals(AudioSocketFrame.AUDIO, f.kind());
                assertEquals(320, f.payload().length);
                assertTrue(isSilent(f.payload()));
            }
            session.end();
            AudioSocketFrame last;
            do {
                last = read(in);
            } while (last.kind() == AudioSocketFrame.AUDIO);
            assertEquals(AudioSocketFrame.HANGUP, last.kind());
            assertTrue(closedByServer(s));
        }
        assertEquals(CloseReason.SERVER_ENDED, l.closed.get(2, TimeUnit.SECONDS));
        assertEquals(5, l.audioFrames.get());
        assertEquals(List.of('5'), l.digits);
        assertTrue(l.threads.stream().allMatch(t -> t.startsWith("audiosocket-io")), l.threads.toString());
    }

    @Test
    void queuedPromptIsPlayedInFramesThenSilenceAndBargeInStopsIt() throws Exception {
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        MediaSession session = server.expect(id, "call-2", l);
        byte[] prompt = new byte[320 * 100];
        java.util.Arrays.fill(prompt, (byte) 7);
        try (Socket s = connected(id, l)) {
            session.play(prompt);
            DataInputStream in = new DataInputStream(s.getInputStream());
            int promptFrames = 0;
            while (promptFrames < 3) {
                if (!isSilent(read(in).payload())) {
                    promptFrames++;
                }
            }
            session.stopPlayback();
            // At most the frame already in flight, then only silence.
            int after = 0;
            for (int i = 0; i < 10; i++) {
                if (!isSilent(read(in).payload())) {
                    after++;
                }
            }
            assertTrue(after <= 1, "prompt frames after barge-in: " + after);
        }
        assertEquals(CloseReason.PEER_CLOSED, l.closed.get(2, TimeUnit.SECONDS));
    }

    @Test
    void brokenPeerIsClosedWithoutDisturbingAnotherSession() throws Exception {
        UUID good = UUID.randomUUID();
        UUID bad = UUID.randomUUID();
        RecordingListener goodL = new RecordingListener();
        RecordingListener badL = new RecordingListener();
        server.expect(good, "call-good", goodL);
        server.expect(bad, "call-bad", badL);
        try (Socket g = connect(); Socket b = connect()) {
            send(g, AudioSocketFrame.uuid(good));
            send(b, AudioSocketFrame.uuid(bad));
            badL.connected.get(2, TimeUnit.SECONDS);
            b.getOutputStream().write(new byte[] {0x42, 0, 0});
            assertTrue(closedByServer(b));
            assertEquals(CloseReason.PROTOCOL_ERROR, badL.closed.get(2, TimeUnit.SECONDS));
            send(g, AudioSocketFrame.audio(new byte[320]));
            send(g, AudioSocketFrame.audio(new byte[320]));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (goodL.audioFrames.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(2, goodL.audioFrames.get());
            assertTrue(!goodL.closed.isDone());
        }
    }

    @Test
    void audioBeforeUuidAndOversizedFramesAreClosed() throws Exception {
        try (Socket s = connect()) {
            send(s, AudioSocketFrame.audio(new byte[320]));
            assertTrue(closedByServer(s));
        }
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        server.expect(id, "call-3", l);
        try (Socket s = connect()) {
            send(s, AudioSocketFrame.uuid(id));
            s.getOutputStream().write(new byte[] {0x10, (byte) 0xFF, (byte) 0xFF});
            assertTrue(closedByServer(s));
        }
        assertEquals(CloseReason.PROTOCOL_ERROR, l.closed.get(2, TimeUnit.SECONDS));
    }

    @Test
    void unknownUuidIsClosed() throws Exception {
        try (Socket s = connect()) {
            send(s, AudioSocketFrame.uuid(UUID.randomUUID()));
            assertTrue(closedByServer(s));
        }
    }

    @Test
    void silentPeerIsClosedAfterTheIdleTimeout() throws Exception {
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        server.expect(id, "call-4", l);
        try (Socket s = connect()) {
            send(s, AudioSocketFrame.uuid(id));
            assertTrue(closedByServer(s));
        }
        assertEquals(CloseReason.IDLE_TIMEOUT, l.closed.get(2, TimeUnit.SECONDS));
    }

    @Test
    void peerTricklingBytesIsClosedAfterTheIdleTimeoutThoughItNeverFallsSilent() throws Exception {
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        server.expect(id, "call-trickle", l);
        try (Socket s = connected(id, l)) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {AudioSocketFrame.AUDIO, 0x01, 0x40}); // header of a 320-byte frame
            long start = System.nanoTime();
            try {
                for (int i = 0; i < 300 && l.closed.getNow(null) == null; i++) { // one payload byte every 10 ms
                    out.write(0);
                    out.flush();
                    Thread.sleep(10);
                }
            } catch (IOException closed) {
                // the server closed the socket under us: expected
            }
            assertEquals(CloseReason.IDLE_TIMEOUT, l.closed.get(2, TimeUnit.SECONDS));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < 1500, "closed after " + tookMs + " ms, idle timeout 400 ms");
        }
    }

    @Test
    void peerSendingWholeFramesTooSlowlyIsClosedOnceItIsAnIdleTimeoutBehindRealTime() throws Exception {
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        server.expect(id, "call-slow", l);
        try (Socket s = connected(id, l)) {
            try {
                for (int i = 0; i < 100 && l.closed.getNow(null) == null; i++) { // a frame every 100 ms: 5x too slow
                    send(s, AudioSocketFrame.audio(new byte[320]));
                    Thread.sleep(100);
                }
            } catch (IOException closed) {
                // the server closed the socket under us: expected
            }
            assertEquals(CloseReason.IDLE_TIMEOUT, l.closed.get(2, TimeUnit.SECONDS));
            assertTrue(l.audioFrames.get() < 20, "frames accepted before closing: " + l.audioFrames.get());
        }
    }

    /**
     * app_audiosocket forwards each caller packet as it comes (res_audiosocket copies f->datalen): a
     * 30 ms ptime gives 480-byte frames every 30 ms, 10 ms gives 160. The listener must still get
     * 20 ms frames in order, and a peer keeping real time must not be taken for a slow one.
     */
    @Test
    void callerPacketsOfOtherSizesArriveAsTwentyMsFramesAndKeepRealTime() throws Exception {
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        MediaSession session = server.expect(id, "call-ptime", l);
        java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
        try (Socket s = connected(id, l)) {
            int n = 0;
            long t0 = System.nanoTime();
            // 2.1 s of 30 ms packets, then 10 ms ones: with 400 ms idle timeout, counting each packet as
            // 20 ms put the peer 400 ms "behind" after 40 packets (1.2 s).
            for (long audioMs = 0; audioMs < 2_400; ) {
                int packetMs = audioMs < 2_100 ? 30 : 10;
                byte[] pcm = new byte[packetMs * 16];
                for (int i = 0; i < pcm.length; i++) {
                    pcm[i] = (byte) n++;
                }
                send(s, AudioSocketFrame.audio(pcm));
                sent.writeBytes(pcm);
                audioMs += packetMs;
                long wait = t0 + TimeUnit.MILLISECONDS.toNanos(audioMs) - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (l.audioFrames.get() < 120 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(!l.closed.isDone(), "closed: " + l.closed.getNow(null));
            session.end();
            assertTrue(closedByServer(s));
        }
        assertEquals(CloseReason.SERVER_ENDED, l.closed.get(2, TimeUnit.SECONDS));
        assertEquals(120, l.audioFrames.get());
        assertTrue(l.frameSizes.stream().allMatch(size -> size == 320), l.frameSizes.toString());
        synchronized (l.audioBytes) {
            assertTrue(java.util.Arrays.equals(sent.toByteArray(), l.audioBytes.toByteArray()), "audio regrouped out of order");
        }
    }

    @Test
    void defaultFrameLimitTakesTheLargestPacketAsteriskForwards() throws Exception {
        assertEquals(4800, AudioSocketSettings.loopback().maxPayload());
        server.close();
        server = new AudioSocketServer(AudioSocketSettings.loopback(), new SimpleMeterRegistry()).start();
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        server.expect(id, "call-g723", l);
        try (Socket s = connected(id, l)) {
            send(s, AudioSocketFrame.audio(new byte[960])); // 60 ms packet
            send(s, AudioSocketFrame.audio(new byte[4800])); // 300 ms, G.723.1's largest
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (l.audioFrames.get() < 18 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(18, l.audioFrames.get());
            assertTrue(!l.closed.isDone(), "closed: " + l.closed.getNow(null));
        }
    }

    /** app_audiosocket ast_write()s each frame to the caller on arrival, no buffer: prompts must come in real time. */
    @Test
    void promptReachesAsteriskInRealTimeNotAsAFlood() throws Exception {
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        MediaSession session = server.expect(id, "call-pace", l);
        CompletableFuture<Void> played = l.connected.thenAccept(s -> {
            byte[] prompt = new byte[320 * 100];
            java.util.Arrays.fill(prompt, (byte) 7);
            s.play(prompt);
        });
        cn.hotline.ivr.sim.AudioSocketCaller.Result r = cn.hotline.ivr.sim.AudioSocketCaller.run(server.localAddress(), id,
                new Pcm(Pcm.TELEPHONY_RATE, new short[0]),
                cn.hotline.ivr.sim.AudioSocketCaller.Options.defaults().withHangUpAfter(Duration.ofMillis(1000)));
        played.get(2, TimeUnit.SECONDS);
        assertTrue(r.promptFrames() >= 40, r.toString());
        assertTrue(r.maxAheadMs() <= 100, "prompt ran ahead of real time: " + r);
        assertEquals(CloseReason.PEER_CLOSED, l.closed.get(2, TimeUnit.SECONDS));
        assertTrue(session.connected());
    }

    @Test
    void peerThatNeverSendsItsUuidIsClosed() throws Exception {
        try (Socket s = connect()) {
            assertTrue(closedByServer(s));
        }
    }

    @Test
    void callerHangupIsReportedAsPeerClosed() throws Exception {
        UUID id = UUID.randomUUID();
        RecordingListener l = new RecordingListener();
        server.expect(id, "call-5", l);
        try (Socket s = connected(id, l)) {
        }
        assertEquals(CloseReason.PEER_CLOSED, l.closed.get(2, TimeUnit.SECONDS));
    }

    @Test
    void registrationNobodyUsesExpires() throws Exception {
        RecordingListener l = new RecordingListener();
        server.expect(UUID.randomUUID(), "call-6", l);
        assertEquals(CloseReason.NEVER_CONNECTED, l.closed.get(3, TimeUnit.SECONDS));
    }

    private static boolean isSilent(byte[] p) {
        for (byte b : p) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
