package cn.hotline.ivr.telephony;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.cli.HotlineServer;
import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RECORD FILE's replies as res_agi.c writes them: only "(dtmf)" carries a key. */
class RecordFileRepliesTest {
    @TempDir
    Path dir;

    /** Answers RECORD FILE with {@code reply} after writing the recording where Asterisk would (silence). */
    private AgiPeer.Result callAnsweringRecordFile(HotlineServer server, String id, String reply) throws Exception {
        return AgiPeer.call(server.agiAddress(), id, (i, command) -> {
            if (!command.startsWith("RECORD FILE")) {
                return null;
            }
            String[] words = command.replace("\"", "").split(" "); // the temporary directory has no spaces
            try {
                new Pcm(8000, new short[8000]).writeWav(Path.of(words[2] + "." + words[3]));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return reply;
        });
    }

    @Test
    void aRecordingEndedOnSilenceIsNoKeyWhateverTimeWasLeft() throws Exception {
        String yaml = TestServer.PORTS + "speech:\n  engine: none\n  capture: record-file\n  record-dir: " + dir
                + "\nflow:\n  intake:\n    when-agents-unknown: true\n";
        try (HotlineServer server = TestServer.start(yaml)) {
            // 35 and 48 ms left of the time limit: as numbers, '#' and '0'.
            for (String left : List.of("35", "48")) {
                AgiPeer.Result r = callAnsweringRecordFile(server, "1795448090." + left,
                        "200 result=" + left + " (timeout) endpos=8000");
                assertTrue(r.commands().stream().anyMatch(c -> c.startsWith("RECORD FILE")), r.commands().toString());
                // Silence on every segment until no-input: the caller said nothing, and pressed nothing.
                assertEquals("no_input", r.variables().get("IVR_INTAKE"), left + " ms left: " + r);
            }
            AgiPeer.Result key = callAnsweringRecordFile(server, "1795448090.99", "200 result=48 (dtmf) endpos=7800");
            assertEquals("dtmf", key.variables().get("IVR_INTAKE"), "a key the caller pressed: " + key);
        }
    }
}
