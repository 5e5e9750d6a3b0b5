package cn.hotline.ivr.ops;

/**
 * One thing wrong with a configuration: where ({@code file}: the file, or the environment variable that
 * overrides a key), which key (empty when the problem is the whole file), and why.
 */
public record ConfigProblem(String file, String key, String reason) {
    @Override
    public String toString() {
        return key.isEmpty() ? file + ": " + reason : file + ": " + key + ": " + reason;
    }
}
