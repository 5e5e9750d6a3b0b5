package cn.hotline.ivr.understanding;

import java.util.List;

/** A catalogue, rule or model file that cannot be used; the message names the file and every problem. */
public final class CatalogueException extends Exception {
    private final List<String> problems;

    public CatalogueException(String source, List<String> problems) {
        super(source + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
