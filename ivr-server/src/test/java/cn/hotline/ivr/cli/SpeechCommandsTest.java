package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.testing.SharedData;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import cn.hotline.ivr.media.Pcm;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

class SpeechCommandsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void transcribeWithoutModelStillFindsTheSpeech() throws Exception {
        Path clip = SharedData.require("audio/zh").resolve("BAC009S0150W0001.wav");
        assertEquals(0, run("transcribe", clip.toString(), "--no-model"), err());
        JsonNode j = Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(16000, j.get("sourceRate").asInt());
        assertTrue(j.get("speechStartMs").asLong() > 0, j.toString());
        assertTrue(j.get("speechEndMs").asLong() > j.get("speechStartMs").asLong() + 800, j.toString());
        assertEquals("", j.get("transcript").asText());
    }

    @Test
    void evalAsrWithAModelPrintsPerClipAndMeanCer() throws Exception {
        java.nio.file.Path model = cn.hotline.ivr.speech.VoskRecognizerTest.model();
        Path data = SharedData.require("audio/zh");
        assertEquals(0, run("eval-asr", "--data", data.toString(), "--model", model.toString(), "--limit", "3"), err());
        JsonNode j = Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(3, j.get("perClip").size());
        assertTrue(j.get("meanCer").asDouble() < 0.6, j.toString());
        assertTrue(j.get("rtf").asDouble() > 0, j.toString());
    }

    private static final byte[] ENDLESS_JUNK = {'R', 'I', 'F', 'F', 100, 0, 0, 0, 'W', 'A', 'V', 'E', 'J', 'U', 'N', 'K',
            (byte) 0xF8, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 0, 0, 0, 0};

    @Test
    void damagedWavIsOneClearLineNotAHangOrException(@TempDir Path dir) throws Exception {
        Path loop = Files.write(dir.resolve("loop.wav"), ENDLESS_JUNK);
        Path cut = Files.write(dir.resolve("cut.wav"), java.util.Arrays.copyOf(ENDLESS_JUNK, 20));
        assertEquals(1, assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run("transcribe", loop.toString(), "--no-model")));
        assertEquals(1, run("transcribe", cut.toString(), "--no-model"));
        String[] lines = err().split("\n");
        assertEquals(2, lines.length, err());
        assertTrue(lines[0].startsWith("transcribe: " + loop + ": damaged WAV: 'JUNK' chunk"), lines[0]);
        assertTrue(lines[1].startsWith("transcribe: " + cut + ": damaged WAV"), lines[1]);
        assertTrue(!err().contains("Exception"), err());
    }

    @Test
    void evalVadSkipsADamagedClipAndCountsIt(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("a-loop.wav"), ENDLESS_JUNK);
        Files.write(dir.resolve("b-cut.wav"), java.util.Arrays.copyOf(ENDLESS_JUNK, 20));
        short[] speech = new short[8000 * 3];
        for (int i = 8000; i < 16000; i++) {
            speech[i] = (short) (8000 * Math.sin(2 * Math.PI * 300 * i / 8000.0));
        }
        new Pcm(8000, speech).writeWav(dir.resolve("c-good.wav"));
        assertEquals(0, assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("eval-vad", "--data", dir.toString())), err());
        assertTrue(err().contains("eval-vad: skipped " + dir.resolve("a-loop.wav") + ": damaged WAV"), err());
        assertTrue(err().contains("eval-vad: skipped " + dir.resolve("b-cut.wav") + ": damaged WAV"), err());
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode summary = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals(1, summary.get("clips").asInt(), summary.toString());
        assertEquals(2, summary.get("unreadableFiles").asInt(), summary.toString());
    }

    @Test
    void missingModelOrFileOrDataAreClearErrors() throws Exception {
        Path clip = SharedData.require("audio/zh").resolve("BAC009S0150W0001.wav");
        assertEquals(1, run("transcribe", clip.toString(), "--model", "/nonexistent/model"));
        assertTrue(err().contains("scripts/fetch-model"), err());
        assertEquals(2, run("transcribe", "/nonexistent.wav", "--no-model"));
        assertEquals(2, run("eval-asr", "--data", "/nonexistent"));
        assertTrue(err().contains("transcripts.tsv"), err());
        assertEquals(1, run("eval-asr", "--data", SharedData.require("audio/zh").toString(), "--model", "/nonexistent/model"));
        assertEquals(2, run("eval-asr"));
        assertEquals(2, run("transcribe", clip.toString(), "--bogus", "1"));
    }

    @Test
    void evalVadPrintsOneLinePerClipAndTheSummaryLast() throws Exception {
        Path data = SharedData.require("audio/zh");
        assertEquals(0, run("eval-vad", "--data", data.toString(), "--noise-db", "-65"), err());
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        JsonNode summary = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals(lines.length - 1, summary.get("clips").asInt());
        assertEquals(summary.get("clips").asInt(),
                summary.get("ended").asInt() + summary.get("cutOff").asInt() + summary.get("neverEnded").asInt());
        assertEquals(800, summary.get("trailingSilenceMs").asInt());
        assertTrue(Math.abs(summary.get("p50").asDouble()) < 300, summary.toString());
        JsonNode first = Json.MAPPER.readTree(lines[0]);
        assertTrue(first.get("name").asText().endsWith(".wav"), first.toString());
    }

    @Test
    void evalVadBadOptionsAreClearErrors(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertEquals(2, run("eval-vad", "--data", "/nonexistent"));
        assertTrue(err().contains("no such directory"), err());
        assertEquals(2, run("eval-vad", "--data", dir.toString()));
        assertTrue(err().contains("no readable WAV"), err());
        assertEquals(2, run("eval-vad", "--data", dir.toString(), "--noise-db", "loud"));
        assertTrue(err().contains("--noise-db"), err());
        java.nio.file.Files.writeString(dir.resolve("bad.yaml"), "speech:\n  vad:\n    release-db: 99\n");
        assertEquals(2, run("eval-vad", "--data", dir.toString(), "--config", dir.resolve("bad.yaml").toString()));
        assertTrue(err().contains("speech.vad.release-db"), err());
    }
}
