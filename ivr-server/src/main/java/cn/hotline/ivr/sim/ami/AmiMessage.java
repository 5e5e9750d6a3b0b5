package cn.hotline.ivr.sim.ami;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One AMI message: {@code Key: Value} header lines in the order they were written, ended by an empty
 * line. Order matters on this wire (Asterisk puts {@code ActionID} second in responses and last in
 * list items), so headers are a list, not a map; names compare case-insensitively as Asterisk does.
 */
public record AmiMessage(List<Map.Entry<String, String>> headers) {

    public AmiMessage {
        headers = List.copyOf(headers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The first value of {@code name}, or empty. */
    public Optional<String> get(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return Optional.of(h.getValue());
            }
        }
        return Optional.empty();
    }

    public String getOr(String name, String defaultValue) {
        return get(name).orElse(defaultValue);
    }

    /** Every value of a repeatable header (e.g. {@code Variable:} in Originate). */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                out.add(h.getValue());
            }
        }
        return out;
    }

    public List<String> names() {
        return headers.stream().map(Map.Entry::getKey).toList();
    }

    /** {@code Event} or {@code Response} or {@code Action} value, whichever the message has. */
    public String kind() {
        return get("Event").or(() -> get("Response")).or(() -> get("Action")).orElse("");
    }

    /** The wire form: CRLF after every header and one empty CRLF line at the end. */
    public String toWire() {
        StringBuilder sb = new StringBuilder(headers.size() * 24);
        for (Map.Entry<String, String> h : headers) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    /**
     * Reads the next message; skips leading empty lines. Returns empty at end of stream. Lines without
     * a colon are kept with an empty value so nothing a peer sent is silently lost.
     */
    public static Optional<AmiMessage> read(BufferedReader in, int maxHeaders) throws IOException {
        Builder b = builder();
        int count = 0;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                if (count == 0) {
                    continue;
                }
                return Optional.of(b.build());
            }
            if (++count > maxHeaders) {
                throw new IOException("AMI message has more than " + maxHeaders + " header lines");
            }
            b.add(parseHeader(line));
        }
        return count == 0 ? Optional.empty() : Optional.of(b.build());
    }

    /** {@code "Key: Value"} → entry; the value keeps a trailing space if it had one after the separator. */
    public static Map.Entry<String, String> parseHeader(String line) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            return Map.entry(line.strip(), "");
        }
        String value = line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        return Map.entry(line.substring(0, colon).strip(), value);
    }

    /** Collects headers in order. */
    public static final class Builder {
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();

        public Builder add(String name, Object value) {
            headers.add(Map.entry(name, value == null ? "" : String.valueOf(value)));
            return this;
        }

        Builder add(Map.Entry<String, String> header) {
            headers.add(header);
            return this;
        }

        /** Adds {@code ActionID} only when the action carried one, as Asterisk does. */
        public Builder actionId(String actionId) {
            if (actionId != null) {
                add("ActionID", actionId);
            }
            return this;
        }

        public AmiMessage build() {
            return new AmiMessage(headers);
        }
    }
}
