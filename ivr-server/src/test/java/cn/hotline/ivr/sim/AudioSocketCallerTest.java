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
}
