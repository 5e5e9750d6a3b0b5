package cn.hotline.ivr.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.media.AudioSocketFrame;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator against a plain socket server: it must behave exactly like Asterisk on the wire. */
class AudioSocketCallerTest {
    @TempDir
    Path dir;

    /** Reads what the caller sends: the UUID first, then 320-byte audio frames; ends with 0x00 after {@code frames}. */
    private static CompletableFuture<int[]> server(ServerSocket ss, UUID expected, int frames, boolean sendHangup) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = ss.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                int kind = in.readUnsignedByte();
                byte[] id = new byte[in.readUnsignedShort()];
                in.readFully(id);
                assertEquals(AudioSocketFrame.UUID, kind);
                assertEquals(expected, new AudioSocketFrame(kind, id).asUuid());
                int audio = 0;
                int dtmf = 0;
                while (audio < frames) {
                    int k = in.readUnsignedByte();
                    byte[] p = new byte[in.readUnsignedShort()];
                    in.readFully(p);
                    if (k == AudioSocketFrame.AUDIO) {
                        assertEquals(320, p.length);
                        audio++;
                    } else if (k == AudioSocketFrame.DTMF) {
                        dtmf = p[0];
                    }
                }
                if (sendHangup) {
                    out.write(new byte[] {0, 0, 0});
                    out.flush();
                }
                return new int[] {audio, dtmf};
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void streamsInRealTimeAndStopsOnTheServersHangup() throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            UUID id = UUID.randomUUID();
            CompletableFuture<int[]> seen = server(ss, id, 25, true);
            AudioSocketCaller.Result r = AudioSocketCaller.run(new InetSocketAddress("127.0.0.1", ss.getLocalPort()), id,
                    (Path) null, AudioSocketCaller.Options.defaults().withDtmf('7', Duration.ofMillis(100)));
            assertEquals(AudioSocketCaller.Ending.SERVER_HANGUP, r.ending());
            assertEquals('7', seen.get(5, TimeUnit.SECONDS)[1]);
            // 25 frames of 20 ms take about half a second when paced in real time.
            assertTrue(r.endedMs() >= 440 && r.endedMs() < 2000, r.toString());
        }
    }

    @Test
    void execReturnsZeroWhenTheServerClosesAndMinusOneWhenNobodyListens() throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            UUID id = UUID.randomUUID();
            server(ss, id, 3, false);
            assertEquals(0, AudioSocketCaller.exec(id.toString(), new InetSocketAddress("127.0.0.1", ss.getLocalPort()),
                    null, AudioSocketCaller.Options.defaults()));
        }
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        assertEquals(-1, AudioSocketCaller.exec(UUID.randomUUID().toString(), new InetSocketAddress("127.0.0.1", port),
                null, AudioSocketCaller.Options.defaults()));
    }

    @Test
    void callerHangsUpByClosingWithoutHangupFrame() throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            UUID id = UUID.randomUUID();
            CompletableFuture<Boolean> sawHangupFrame = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    while (true) {
                        int k = in.read();
                        if (k < 0) {
                            return false;
                        }
                        if (k == AudioSocketFrame.HANGUP) {
                            return true;
                        }
                        in.readFully(new byte[in.readUnsignedShort()]);
                    }
                } catch (Exception e) {
                    return false;
                }
            });
            AudioSocketCaller.Result r = AudioSocketCaller.run(new InetSocketAddress("127.0.0.1", ss.getLocalPort()), id,
                    (Path) null, AudioSocketCaller.Options.defaults().withHangUpAfter(Duration.ofMillis(200)));
            assertEquals(AudioSocketCaller.Ending.CALLER_HUNG_UP, r.ending());
            assertEquals(false, sawHangupFrame.get(5, TimeUnit.SECONDS), "Asterisk never sends 0x00 on hangup");
        }
    }

    /** A server that reads the UUID, then does {@code script} with the socket, then reads until the caller closes. */
    private interface Script {
        void run(Socket s, OutputStream out) throws Exception;
    }

    private static CompletableFuture<List<Integer>> scripted(ServerSocket ss, Script script) {
        return CompletableFuture.supplyAsync(() -> {
            List<Integer> audioSizes = new java.util.ArrayList<>();
            try (Socket s = ss.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                in.readFully(new byte[3 + 16]);
                CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                    try {
                        while (true) {
                            int k = in.readUnsignedByte();
                            byte[] p = new byte[in.readUnsignedShort()];
                            in.readFully(p);
                            if (k == AudioSocketFrame.AUDIO) {
                                audioSizes.add(p.length);
                            }
                        }
                    } catch (Exception closed) {
                        // the caller ended
                    }
                });
                script.run(s, s.getOutputStream());
                reader.get(5, TimeUnit.SECONDS);
                return audioSizes;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private AudioSocketCaller.Result runAgainst(Script script, AudioSocketCaller.Options options) throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            CompletableFuture<List<Integer>> server = scripted(ss, script);
            AudioSocketCaller.Result r = AudioSocketCaller.run(new InetSocketAddress("127.0.0.1", ss.getLocalPort()),
                    UUID.randomUUID(), (Path) null, options.withHangUpAfter(Duration.ofSeconds(5)));
            server.get(10, TimeUnit.SECONDS);
            return r;
        }
    }

    /**
     * res_audiosocket's ast_audiosocket_receive_frame_with_hangup: 0x00 or a close set *hangup (the
     * application returns 0); any other kind but audio, a zero length, a payload cut by the close or
     * not there 5 ms after its header return NULL without *hangup, and app_audiosocket returns -1.
     */
    @Test
    void framesAsteriskCannotTakeEndTheApplicationWithMinusOneLikeAsterisk() throws Exception {
        record Case(String name, Script script, String error) {
        }
        List<Case> cases = List.of(
                new Case("uuid kind", (s, out) -> out.write(AudioSocketCaller.encode(AudioSocketFrame.uuid(UUID.randomUUID()))),
                        "other than hangup or audio"),
                new Case("dtmf kind", (s, out) -> out.write(AudioSocketCaller.encode(AudioSocketFrame.dtmf('1'))),
                        "other than hangup or audio"),
                new Case("error kind", (s, out) -> out.write(new byte[] {(byte) 0xFF, 0, 1, 9}), "other than hangup or audio"),
                new Case("empty audio", (s, out) -> out.write(new byte[] {0x10, 0, 0}), "Invalid message length"),
                new Case("payload late", (s, out) -> {
                    out.write(new byte[] {0x10, 0x01, 0x40});
                    out.flush();
                    Thread.sleep(100);
                    out.write(new byte[320]);
                }, "Poll timed out"),
                new Case("cut by close", (s, out) -> {
                    out.write(new byte[] {0x10, 0x01, 0x40, 1, 2, 3});
                    out.flush();
                    s.shutdownOutput();
                }, "Insufficient payload"));
        // Each case 20 times: the refusal used to lose, now and then, to the caller's own write failing on the
        // socket the refusal had just closed ("Socket closed" reported instead of the reason).
        for (int round = 0; round < 20; round++) {
            for (Case c : cases) {
                AudioSocketCaller.Result r = runAgainst(c.script(), AudioSocketCaller.Options.defaults());
                assertEquals(AudioSocketCaller.Ending.ASTERISK_REFUSED, r.ending(), c.name() + ": " + r);
                assertTrue(r.error() != null && r.error().contains(c.error()), c.name() + ": " + r.error());
            }
        }
        // What it does take: audio in any size, then 0x00 (returns 0).
        AudioSocketCaller.Result ok = runAgainst((s, out) -> {
            out.write(AudioSocketCaller.encode(AudioSocketFrame.audio(new byte[100])));
            out.write(AudioSocketCaller.encode(AudioSocketFrame.audio(new byte[960])));
            out.write(AudioSocketCaller.encode(AudioSocketFrame.hangup()));
        }, AudioSocketCaller.Options.defaults());
        assertEquals(AudioSocketCaller.Ending.SERVER_HANGUP, ok.ending(), ok.toString());
        assertEquals(3, ok.framesReceived());
    }

    @Test
    void sendsTheCallersPacketSizeInRealTime() throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            CompletableFuture<List<Integer>> server = scripted(ss, (s, out) -> {
                Thread.sleep(600);
                out.write(AudioSocketCaller.encode(AudioSocketFrame.hangup()));
            });
            AudioSocketCaller.Result r = AudioSocketCaller.run(new InetSocketAddress("127.0.0.1", ss.getLocalPort()),
                    UUID.randomUUID(), (Path) null, AudioSocketCaller.Options.defaults().withPacketMs(30));
            List<Integer> sizes = server.get(5, TimeUnit.SECONDS);
            assertTrue(sizes.stream().allMatch(n -> n == 480), sizes.toString());
            // 600 ms of 30 ms packets: about 20, not the 30 that 20 ms pacing would send.
            assertTrue(sizes.size() >= 17 && sizes.size() <= 23, sizes.size() + " packets in 600 ms; " + r);
        }
    }

    /** Asterisk writes each frame to the caller as it arrives: the simulator measures a flood. */
    @Test
    void measuresHowFarTheServersAudioRunsAheadOfRealTime() throws Exception {
        AudioSocketCaller.Result flood = runAgainst((s, out) -> {
            for (int i = 0; i < 50; i++) {
                out.write(AudioSocketCaller.encode(AudioSocketFrame.audio(new byte[320])));
            }
            out.write(AudioSocketCaller.encode(AudioSocketFrame.hangup()));
        }, AudioSocketCaller.Options.defaults());
        assertTrue(flood.maxAheadMs() >= 800, flood.toString());
        AudioSocketCaller.Result paced = runAgainst((s, out) -> {
            for (int i = 0; i < 25; i++) {
                out.write(AudioSocketCaller.encode(AudioSocketFrame.audio(new byte[320])));
                Thread.sleep(20);
            }
            out.write(AudioSocketCaller.encode(AudioSocketFrame.hangup()));
        }, AudioSocketCaller.Options.defaults());
        assertTrue(paced.maxAheadMs() <= 100, paced.toString());
    }
}
