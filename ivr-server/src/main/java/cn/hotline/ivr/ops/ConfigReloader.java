package cn.hotline.ivr.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the configuration file and hands every valid new version to {@code onChange}, once the file
 * has stopped changing for one interval (so a half-written file is never read). An invalid edit is
 * logged with all its problems and ignored, so a typo never takes the server down; the running
 * configuration stays in force.
 */
public final class ConfigReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path file;
    private final Map<String, String> env;
    private final Consumer<Settings> onChange;
    private final ScheduledExecutorService timer;
    private FileTime lastModified;
    private long lastSize;
    /** A change seen at the last poll; applied once the file has stayed the same for a whole interval. */
    private FileTime pendingModified;
    private long pendingSize = -1;

    public ConfigReloader(Path file, Map<String, String> env, Duration interval, Consumer<Settings> onChange)
            throws IOException {
        this.file = file;
        this.env = env;
        this.onChange = onChange;
        this.lastModified = Files.getLastModifiedTime(file);
        this.lastSize = Files.size(file);
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("config-reload").daemon().factory());
        long ms = Math.max(100, interval.toMillis());
        timer.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Checks the file now; returns true when a new valid configuration was applied. */
    public synchronized boolean poll() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (Objects.equals(modified, lastModified) && size == lastSize) {
                return false;
            }
            if (!Objects.equals(modified, pendingModified) || size != pendingSize) {
                // An editor may still be writing: wait until the file stops changing.
                pendingModified = modified;
                pendingSize = size;
                return false;
            }
            lastModified = modified;
            lastSize = size;
            Settings settings = Settings.load(file, env);
            onChange.accept(settings);
            log.info("configuration {} reloaded", file);
            return true;
        } catch (ConfigException e) {
            log.warn("configuration {} changed but is invalid, keeping the running one: {}", file,
                    e.getMessage().replace('\n', ';'));
        } catch (IOException | RuntimeException e) {
            log.warn("cannot reload configuration {}: {}", file, e.toString());
        }
        return false;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
