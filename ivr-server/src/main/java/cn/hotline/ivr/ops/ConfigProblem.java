package cn.hotline.ivr.ops;

/** One thing wrong with a configuration file: which file, which key, and why. */
public record ConfigProblem(String file, String key, String reason) {
    @Override
    public String toString() {
        return file + ": " + key + ": " + reason;
    }
}
