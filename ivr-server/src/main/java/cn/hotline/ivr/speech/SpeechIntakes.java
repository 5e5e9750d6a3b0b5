package cn.hotline.ivr.speech;

import cn.hotline.ivr.flow.SpeechIntake;
import cn.hotline.ivr.media.AudioSocketServer;
import io.micrometer.core.instrument.MeterRegistry;

/** Picks the intake {@code speech.capture} asks for; the wiring code's one call. */
public final class SpeechIntakes {
    private SpeechIntakes() {
    }

    /** {@code server} may be null when {@code speech.capture} is {@code record-file}. */
    public static SpeechIntake create(SpeechSettings settings, AudioSocketServer server, DecoderPool pool, MeterRegistry registry) {
        return create(settings, server, pool, registry, null);
    }

    /**
     * @param remoteKey for {@code record-file}: how a free agent ends a caller's recording (AMI PlayDTMF);
     *                  null when there is no AMI connection (recordings then run to their end)
     */
    public static SpeechIntake create(SpeechSettings settings, AudioSocketServer server, DecoderPool pool,
            MeterRegistry registry, RecordFileIntake.RemoteKey remoteKey) {
        return switch (settings.capture()) {
            case AUDIOSOCKET -> {
                if (server == null) {
                    throw new IllegalArgumentException("speech.capture is audiosocket but no AudioSocket server was started");
                }
                yield new AudioSocketIntake(server, pool, new PromptLibrary(settings.promptsDir()), settings, registry);
            }
            case RECORD_FILE -> new RecordFileIntake(pool, settings, registry, remoteKey);
        };
    }
}
