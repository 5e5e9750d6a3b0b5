package cn.hotline.ivr.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only shared data folder ({@code ../shared}: speech clips, appeal texts, division
 * tables). Tests that need it call {@link #require(String)}, which skips the test with a clear reason
 * when the folder is absent; nothing from it is ever copied into the repository.
 */
public final class SharedData {
    private SharedData() {
    }

    public static Path dir() {
        String fromEnv = System.getenv("IVR_SHARED_DIR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv).toAbsolutePath().normalize();
        }
        return Path.of("..", "..", "shared").toAbsolutePath().normalize();
    }

    /** The path below the shared folder; skips the calling test when it does not exist. */
    public static Path require(String relative) {
        Path p = dir().resolve(relative);
        assumeTrue(Files.exists(p), "shared data not present: " + p + " (set IVR_SHARED_DIR to the shared folder)");
        return p;
    }
}
