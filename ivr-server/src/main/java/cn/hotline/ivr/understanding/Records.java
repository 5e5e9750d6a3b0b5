package cn.hotline.ivr.understanding;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads appeal records from JSONL files ({@code title}, {@code text} and label fields, one JSON object
 * a line). A malformed line is reported with file and line number and skipped, or stops the read when
 * {@code stopOnError} is set.
 */
public final class Records {
    /** One record: its text (title and body joined) and every string field, for labels. */
    public record Row(String source, int line, String text, JsonNode fields) {
        /** The value of {@code field}, or "" when absent or not a string. */
        public String field(String field) {
            JsonNode v = fields.get(field);
            return v == null || v.isNull() || v.isContainerNode() ? "" : v.asText().strip();
        }
    }

    /** A bad line with {@code --stop-on-error}: message says file, line and reason. */
    public static final class BadRecordException extends Exception {
        public BadRecordException(String message) {
            super(message);
        }
    }

    private Records() {
    }

    /** Title and text as one message, the way a caller would say both. */
    public static String joinTitle(String title, String text) {
        if (title.isEmpty()) {
            return text;
        }
        return text.isEmpty() ? title : title + "。" + text;
    }

    public static List<Row> read(List<Path> files, boolean stopOnError, PrintStream err)
            throws IOException, BadRecordException {
        List<Row> rows = new ArrayList<>();
        for (Path file : files) {
            if (Files.isDirectory(file)) {
                throw new IOException(file + ": is a directory; give JSONL files (one JSON record a line)");
            }
            if (!Files.isRegularFile(file)) {
                throw new IOException(file + ": no such file");
            }
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                int number = 0;
                while ((line = in.readLine()) != null) {
                    number++;
                    if (number == 1 && line.startsWith("\uFEFF")) {
                        line = line.substring(1); // a byte-order mark, as some Windows editors write
                    }
                    if (line.isBlank()) {
                        continue;
                    }
                    String problem;
                    try {
                        JsonNode node = Json.MAPPER.readTree(line);
                        if (node != null && node.isObject()) {
                            String title = textField(node, "title");
                            String text = textField(node, "text");
                            if (!title.isEmpty() || !text.isEmpty()) {
                                rows.add(new Row(file.toString(), number, joinTitle(title, text), node));
                                continue;
                            }
                            problem = "record has neither 'title' nor 'text'";
                        } else {
                            problem = "not a JSON object";
                        }
                    } catch (JsonProcessingException e) {
                        problem = "malformed JSON: " + e.getOriginalMessage();
                    }
                    String message = file + ":" + number + ": " + problem;
                    if (stopOnError) {
                        throw new BadRecordException(message + " (stopped: --stop-on-error)");
                    }
                    err.println(message + " (skipped)");
                }
            } catch (CharacterCodingException e) {
                // Decoding runs ahead of the lines read, so no line number: it would point at the wrong one.
                throw new IOException(file + ": not UTF-8 text (convert it first, e.g. iconv -f GBK -t UTF-8)");
            }
        }
        return rows;
    }

    private static String textField(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || !v.isTextual() ? "" : v.asText().strip();
    }
}
