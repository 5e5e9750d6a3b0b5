package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpeechSettingsTest {
    @Test
    void readsEveryKeyWithEnvironmentOverride() throws Exception {
        Settings s = Settings.read(ConfigFile.fromYaml("ivr.yaml", """
                audiosocket:
                  bind: 0.0.0.0:9093
                  advertised: 10.1.2.3:9093
                  max-frame-bytes: 640
                  idle-timeout: 2s
                  connect-timeout: 4s
                  max-sessions: 700
                  io-threads: 2
                speech:
                  engine: vosk
                  model: models/m
                  decoders: 6
                  decoder-threads: 2
                  capture: audiosocket
                  prompts-dir: p
                  record-dir: r
                  result-timeout: 3s
                  vad:
                    no-input: 5s
                    trailing-silence: 700ms
                    max-utterance: 40s
                    speech-start: 80ms
                    threshold-db: 10
                    min-level-db: -55
                """, Path.of("/etc/ivr"), Map.of("IVR_SPEECH_DECODERS", "9")));
        assertEquals(9093, s.audiosocket().bind().getPort());
        assertEquals("10.1.2.3:9093", s.audiosocket().advertised());
        assertEquals(700, s.audiosocket().maxSessions());
        assertEquals(SpeechSettings.Engine.VOSK, s.speech().engine());
        assertEquals(Path.of("/etc/ivr/models/m"), s.speech().model());
        assertEquals(9, s.speech().decoders());
        assertEquals(Duration.ofMillis(700), s.speech().vad().trailingSilence());
        assertEquals(-55, s.speech().vad().minLevelDb());
    }

    @Test
    void badValuesAreReportedWithKeyAndReason() {
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.read(ConfigFile.fromYaml("ivr.yaml", """
                audiosocket:
                  advertised: nowhere
                  max-frame-bytes: 10
                speech:
                  engine: whisper
                  capture: tape
                  decoders: 0
                  vad:
                    trailing-silence: soon
                    trailing-silnce: 1s
                """, Path.of("."), Map.of())));
        String all = e.getMessage();
        for (String key : new String[] {"audiosocket.advertised", "audiosocket.max-frame-bytes", "speech.engine",
                "speech.capture", "speech.decoders", "speech.vad.trailing-silence", "speech.vad.trailing-silnce"}) {
            assertTrue(all.contains(key), key + " missing from:\n" + all);
        }
        assertTrue(all.contains("[auto, vosk, none]"), all);
    }
}
