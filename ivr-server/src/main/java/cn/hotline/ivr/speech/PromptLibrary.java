package cn.hotline.ivr.speech;

import cn.hotline.ivr.media.Pcm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prompts played over AudioSocket (so the caller can interrupt them): {@code <dir>/<name>.wav}, any
 * rate, converted once to 8 kHz and kept in memory.
 */
public final class PromptLibrary {
    private static final Logger log = LoggerFactory.getLogger(PromptLibrary.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

    private final Path dir;
    private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

    public PromptLibrary(Path dir) {
        this.dir = dir;
    }

    /** 8 kHz signed 16-bit little-endian audio of the prompt, or empty when there is no such file. */
    public Optional<byte[]> load(String name) {
        if (name == null || name.isEmpty() || !NAME.matcher(name).matches() || name.contains("..")) {
            return Optional.empty();
        }
        return cache.computeIfAbsent(name, n -> {
            Path file = dir.resolve(n + ".wav");
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            try {
                return Optional.of(Pcm.readWav(file).toTelephony().toBytes());
            } catch (IOException e) {
                log.warn("prompt {} unreadable: {}", file, e.getMessage());
                return Optional.empty();
            }
        });
    }
}
