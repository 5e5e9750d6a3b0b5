package cn.hotline.ivr.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The checks every hand-written YAML file of this product gets before its content is used: syntax
 * errors as one line with line and column, and a key written twice in the same mapping as an error
 * (SnakeYAML by default keeps the last one silently, so a second {@code flow:} block would drop the
 * first without a word).
 */
public final class StrictYaml {
    /** One thing wrong with the text; {@code key} is the dotted path of a duplicate key, else empty. */
    public record Problem(String key, String reason) {
        @Override
        public String toString() {
            return key.isEmpty() ? reason : key + ": " + reason;
        }
    }

    private StrictYaml() {
    }

    /** Every problem in {@code text}; empty when it is well-formed YAML without duplicate keys. */
    public static List<Problem> check(String text) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new java.io.StringReader(text));
        } catch (MarkedYAMLException e) {
            return List.of(new Problem("", syntax(e)));
        } catch (YAMLException e) {
            return List.of(new Problem("", "not valid YAML: " + firstLine(e.getMessage())));
        }
        List<Problem> problems = new ArrayList<>();
        duplicates(root, "", problems, Collections.newSetFromMap(new IdentityHashMap<>()));
        return problems;
    }

    /** Parses text already {@link #check checked}: the plain Java value of the document (null when empty). */
    public static Object load(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    /** {@code not valid YAML at line L, column C: <problem>}, on one line. */
    static String syntax(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
        String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
        return "not valid YAML" + where + ": " + firstLine(problem == null ? "unreadable" : problem);
    }

    private static String firstLine(String s) {
        String line = s == null ? "" : s.strip();
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl).strip();
    }

    private static void duplicates(Node node, String path, List<Problem> problems, Set<Node> seen) {
        if (node == null || !seen.add(node)) {
            return; // an alias points at a node already checked (and would loop or explode if walked again)
        }
        if (node instanceof MappingNode map) {
            Map<String, Integer> lines = new HashMap<>();
            for (NodeTuple tuple : map.getValue()) {
                String name = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
                String childPath = path;
                if (name != null && !name.equals("<<")) {
                    childPath = path.isEmpty() ? name : path + "." + name;
                    int line = tuple.getKeyNode().getStartMark().getLine() + 1;
                    Integer first = lines.putIfAbsent(name, line);
                    if (first != null) {
                        problems.add(new Problem(childPath, "duplicate key (lines " + first + " and " + line
                                + "): write it once, merging both"));
                    }
                }
                duplicates(tuple.getValueNode(), childPath, problems, seen);
            }
        } else if (node instanceof SequenceNode seq) {
            for (int i = 0; i < seq.getValue().size(); i++) {
                duplicates(seq.getValue().get(i), path + "[" + i + "]", problems, seen);
            }
        }
    }
}
