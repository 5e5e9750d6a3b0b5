package cn.hotline.ivr.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
 * configuration stays in force. A file with no settings at all (truncated, or only comments) is refused
 * the same way: applied, it would put every key back to its default. Only {@code flow.*} and
 * {@code prompts.*} take effect live: a changed key elsewhere is named once, when the set of such keys
 * changes. A file that disappears is reported once (and once more when it is back), not on every poll.
 * {@link #reloadNow} (SIGHUP) reads the file at once, without waiting for it to settle.
 */
public final class ConfigReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);
    /** The sections the server applies without a restart (HotlineServer swaps the flow settings). */
    static final Set<String> LIVE_SECTIONS = Set.of("flow", "prompts");

    private final Path file;
    private final Map<String, String> env;
    private final Consumer<Settings> onChange;
    private final ScheduledExecutorService timer;
    /** The keys and values the server started with: what a restart-only change is measured against. */
    private final Map<String, String> running;
    private FileTime lastModified;
    private long lastSize;
    /** A change seen at the last poll; applied once the file has stayed the same for a whole interval. */
    private FileTime pendingModified;
    private long pendingSize = -1;
    /** Polls in a row that found no file; an editor that saves by rename leaves it missing for one poll at most. */
    private int missingPolls;
    private String lastFailure;
    private Set<String> announcedRestartKeys = Set.of();
    /** False while the last version read from disk was refused: the node runs an older one than the file says. */
    private volatile boolean lastReloadSuccessful = true;

    public ConfigReloader(Path file, Map<String, String> env, Duration interval, Consumer<Settings> onChange)
            throws IOException {
        this.file = file;
        this.env = env;
        this.onChange = onChange;
        this.lastModified = Files.getLastModifiedTime(file);
        this.lastSize = Files.size(file);
        this.running = valuesOf(file, env);
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("config-reload").daemon().factory());
        long ms = Math.max(100, interval.toMillis());
        timer.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
    }

    private static Map<String, String> valuesOf(Path file, Map<String, String> env) {
        try {
            return ConfigFile.load(file, env).values();
        } catch (ConfigException e) {
            return Map.of(); // the server validated it a moment ago; at worst every key later looks changed
        }
    }

    /** Checks the file now; returns true when a new valid configuration was applied. */
    public synchronized boolean poll() {
        try {
            if (!Files.exists(file)) {
                if (++missingPolls == 2) {
                    log.warn("configuration {} is gone; running on with the settings in force (restore it to reload)", file);
                }
                return false;
            }
            if (missingPolls >= 2) {
                log.info("configuration {} is back; checking it", file);
            }
            missingPolls = 0;
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            lastFailure = null;
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
            return apply("changed on disk");
        } catch (IOException | RuntimeException e) {
            // The same failure on every poll is said once, not every interval.
            String failure = e.toString();
            if (!failure.equals(lastFailure)) {
                log.warn("cannot reload configuration {}: {}", file, failure);
                lastFailure = failure;
            }
        }
        return false;
    }

    /**
     * Reads the file now, changed or not, without waiting for it to settle: the operator says the edit is
     * complete (SIGHUP, {@code systemctl reload}). Returns true when a valid configuration was applied.
     */
    public synchronized boolean reloadNow(String trigger) {
        if (!Files.exists(file)) {
            log.warn("configuration {} not reloaded ({}): the file is gone; running on with the settings in force", file, trigger);
            return false;
        }
        try {
            lastModified = Files.getLastModifiedTime(file);
            lastSize = Files.size(file);
        } catch (IOException e) {
            log.warn("configuration {} not reloaded ({}): {}", file, trigger, e.toString());
            return false;
        }
        pendingModified = null;
        pendingSize = -1;
        return apply(trigger);
    }

    /** Loads, checks and hands over the file; an invalid one is named with all its problems and ignored. */
    private boolean apply(String trigger) {
        try {
            ConfigFile cfg = ConfigFile.load(file, env);
            if (cfg.values().isEmpty()) {
                // Valid YAML, but every key would fall back to its default: a truncated save, not an intent.
                log.warn("configuration {} ({}) holds no settings (empty, or only comments: a half-written save?), "
                        + "keeping the running one", file, trigger);
                lastReloadSuccessful = false;
                return false;
            }
            Settings settings = Settings.read(cfg);
            onChange.accept(settings);
            lastReloadSuccessful = true;
            log.info("configuration {} reloaded ({})", file, trigger);
            announceRestartKeys(cfg.values());
            return true;
        } catch (ConfigException e) {
            lastReloadSuccessful = false;
            log.warn("configuration {} ({}) is invalid, keeping the running one: {}", file, trigger,
                    e.getMessage().replace('\n', ';'));
        } catch (RuntimeException e) {
            lastReloadSuccessful = false;
            log.warn("cannot reload configuration {}: {}", file, e.toString());
        }
        return false;
    }

    /** For {@code ivr_config_last_reload_successful}: false while the file on disk was refused at its last reload. */
    public boolean lastReloadSuccessful() {
        return lastReloadSuccessful;
    }

    /** Names the keys outside the live sections that differ from the running ones, once per different set. */
    private void announceRestartKeys(Map<String, String> now) {
        Set<String> changed = new TreeSet<>();
        Set<String> keys = new TreeSet<>(running.keySet());
        keys.addAll(now.keySet());
        for (String key : keys) {
            int dot = key.indexOf('.');
            String section = dot < 0 ? key : key.substring(0, dot);
            if (!LIVE_SECTIONS.contains(section) && !Objects.equals(running.get(key), now.get(key))) {
                changed.add(key);
            }
        }
        if (changed.equals(announcedRestartKeys)) {
            return;
        }
        if (changed.isEmpty()) {
            log.info("configuration {}: the restart-only keys are back to the running values", file);
        } else {
            log.warn("configuration {}: {} changed but take(s) effect only after a restart (only flow.* and prompts.* reload live)",
                    file, String.join(", ", changed));
        }
        announcedRestartKeys = Set.copyOf(changed);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
