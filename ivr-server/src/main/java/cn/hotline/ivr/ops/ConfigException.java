package cn.hotline.ivr.ops;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that cannot be used; the message lists every problem, one per line. */
public final class ConfigException extends Exception {
    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
