package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Vosk engine. Tests marked "model" run only when a model is present (IVR_VOSK_MODEL, or
 * models/vosk-model-small-cn-0.22 at the repository root) and are skipped with that reason otherwise.
 */
public class VoskRecognizerTest {

    public static Path model() {
        Path p = SpeechSettings.defaultModel();
        if (!p.isAbsolute() && !Files.isDirectory(p)) {
            p = Path.of("..").resolve(p).normalize(); // tests run inside ivr-server/
        }
        assumeTrue(Files.isDirectory(p), "no Vosk model at " + p.toAbsolutePath().normalize()
                + ": run scripts/fetch-model or set IVR_VOSK_MODEL to run the model tests");
        return p;
    }

    @Test
    void missingModelFailsWithWhatToDo() {
        RecognizerException e = assertThrows(RecognizerException.class,
                () -> VoskRecognizer.load(Path.of("/nonexistent/vosk-model-small-cn-0.22")));
        assertTrue(e.getMessage().contains("scripts/fetch-model"), e.getMessage());
    }

    /**
     * Runs without a model: the bundled libvosk is really loaded through JNA and really asked to
     * open a directory that looks like a model but holds no acoustic model, which must end in a
     * clear error naming the directory, not a crash of the server.
     */
    @Test
    void aBrokenModelDirectoryIsAClearErrorFromTheNativeLibrary(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path broken = dir.resolve("vosk-model-broken");
        Files.createDirectories(broken.resolve("conf"));
        Files.writeString(broken.resolve("conf/mfcc.conf"), "--sample-frequency=16000\n");
        RecognizerException e = assertThrows(RecognizerException.class, () -> VoskRecognizer.load(broken));
        assertTrue(e.getMessage().startsWith("cannot load Vosk model " + broken), e.getMessage());
    }

    @Test
    void jnaRunsWithUtf8() throws Exception {
        VoskRecognizer.requireUtf8();
    }

    /**
     * JNA converts char* with jna.encoding when it is set (Native.getDefaultStringEncoding); the check
     * looked at Native.DEFAULT_ENCODING (the JVM's default charset, UTF-8 on JDK 18+) and so let
     * -Djna.encoding=GBK through: every Chinese transcript would have been garbled.
     */
    @Test
    void aJnaEncodingOtherThanUtf8IsRefusedWithTheFix() {
        String was = System.getProperty("jna.encoding");
        try {
            System.setProperty("jna.encoding", "GBK");
            RecognizerException e = assertThrows(RecognizerException.class, VoskRecognizer::requireUtf8);
            assertEquals("JNA string encoding is GBK, Chinese transcripts would be garbled: start the JVM with -Djna.encoding=UTF-8",
                    e.getMessage());
            System.setProperty("jna.encoding", "utf8");
            assertDoesNotThrow(VoskRecognizer::requireUtf8);
        } finally {
            if (was == null) {
                System.clearProperty("jna.encoding");
            } else {
                System.setProperty("jna.encoding", was);
            }
        }
    }

    /**
     * vosk_model_free drops one reference (Model::Unref in model.cc; each recognizer holds its own). A
     * second close freed it again: the count fell to zero while recognizers still used the model.
     * Runs without a model: the Model here never reaches the native library.
     */
    @Test
    void theModelIsFreedOnceHoweverOftenTheEngineIsClosed() {
        java.util.concurrent.atomic.AtomicInteger frees = new java.util.concurrent.atomic.AtomicInteger();
        org.vosk.Model model = new org.vosk.Model() {
            @Override
            public void close() {
                frees.incrementAndGet();
            }
        };
        VoskRecognizer vosk = new VoskRecognizer(model, Path.of("vosk-model-small-cn-0.22"), 16000);
        vosk.close();
        vosk.close();
        assertEquals(1, frees.get());
        assertTrue(!vosk.health().ok() && vosk.health().detail().equals("Vosk engine closed"), vosk.health().toString());
        RecognizerException e = assertThrows(RecognizerException.class, () -> vosk.open(List.of()));
        assertEquals("Vosk engine closed", e.getMessage());
        assertEquals(1, frees.get());
    }

    @Test
    void chineseWordsAreJoinedWithoutSpacesButLatinWordsKeepThem() {
        assertEquals("设定二十九度", VoskRecognizer.joinWords("设定 二十九 度"));
        assertEquals("打开wifi设置", VoskRecognizer.joinWords(" 打开 wifi 设置 "));
        assertEquals("call 12345 now", VoskRecognizer.joinWords("call 12345 now"));
        assertEquals("是", VoskRecognizer.joinWords("[unk] 是"));
    }

    @Test
    void phrasesBecomeAGrammarOfCharacters() {
        assertEquals("[\"是\",\"不 是\",\"朝 阳 区\",\"海淀 区\",\"wifi 坏 了\",\"[unk]\"]",
                VoskRecognizer.grammar(List.of("是", "不是", "朝阳区", "海淀 区", "wifi坏了")));
    }

    @Test
    void characterErrorRate() {
        assertEquals(0, Transcriber.cer("设定二十九度", "设定，二十九度。"));
        assertEquals(1 / 6.0, Transcriber.cer("设定二十九度", "设定二十八度"), 1e-9);
        assertEquals(2 / 6.0, Transcriber.cer("设定二十九度", "设定二十"), 1e-9);
        assertEquals(1, Transcriber.cer("", "多"));
    }

    @Test
    void modelTranscribesARealClipInChinese() throws Exception {
        Path clips = SharedData.require("audio/zh");
        try (VoskRecognizer vosk = VoskRecognizer.load(model())) {
            SpeechRecognizer.Transcript t = Transcriber.transcribe(vosk,
                    Pcm.readWav(clips.resolve("BAC009S0150W0016.wav")), List.of());
            assertTrue(Transcriber.cer("盛源生活广场", t.text()) <= 0.5, t.text());
            assertTrue(t.text().codePoints().allMatch(c -> c >= 0x4E00 && c <= 0x9FFF), "garbled: " + t.text());
            assertTrue(t.confidence() > 0 && t.confidence() <= 1, t.toString());
            assertTrue(vosk.health().ok());
        }
    }

    @Test
    void modelWithPhraseListPicksThePhrase() throws Exception {
        Path clips = SharedData.require("audio/zh");
        try (VoskRecognizer vosk = VoskRecognizer.load(model())) {
            SpeechRecognizer.Transcript t = Transcriber.transcribe(vosk,
                    Pcm.readWav(clips.resolve("BAC009S0150W0001.wav")), List.of("设定二十九度", "哈根达斯", "是", "不是"));
            assertEquals("设定二十九度", t.text());
        }
    }
}
