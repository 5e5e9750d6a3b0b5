package cn.hotline.ivr.telephony;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.AgiHangupException;
import org.asteriskjava.fastagi.AgiNetworkException;
import org.asteriskjava.fastagi.AgiReader;
import org.asteriskjava.fastagi.AgiRequest;
import org.asteriskjava.fastagi.reply.AgiReply;

/**
 * Reads Asterisk's replies to our commands, replacing Asterisk-Java's reader, which waits for a second
 * {@code 520} line after the single-line form (so the call stalls until the reply timeout) and reports
 * every read problem, even an over-long or truncated line, as a hang-up.
 *
 * <p>Three outcomes besides a {@code 200} reply, kept apart because the flow does different things:
 * <ul>
 * <li>the caller is gone ({@link AgiHangupException}): a bare {@code HANGUP} line, {@code 511}, or the
 *     connection closed before a reply began;</li>
 * <li>Asterisk refused the command on a live channel ({@link Rejected}): {@code 510}, {@code 520} in
 *     its one-line form ({@code 520 Invalid command syntax.  Proper usage not available.}) or its
 *     multi-line form ({@code 520-...}, usage lines, {@code 520 End of proper usage.}), other {@code 5xx};</li>
 * <li>the reply breaks the protocol ({@link Malformed}): not {@code <3-digit code> ...}, over-long,
 *     cut off by a close, or never sent within the reply timeout. The stream can no longer be trusted.</li>
 * </ul>
 * The environment is still read by the library (through {@link AgiSocket}, which checks it).
 */
final class AgiReplyReader implements AgiReader {
    /** Asterisk's longest usage text is a few dozen lines; more is a peer that never ends it. */
    static final int MAX_USAGE_LINES = 100;
    static final int MAX_USAGE_CHARS = 300;
    private static final Pattern STATUS = Pattern.compile("(\\d{3})([ -])(.*)");

    /** Asterisk answered the command with an error status; the channel is still up. */
    static final class Rejected extends AgiException {
        Rejected(int status, String text) {
            super(status + " " + text);
        }
    }

    /** Asterisk's reply broke the protocol; the connection must be closed. */
    static final class Malformed extends AgiException {
        Malformed(String reason) {
            super(reason);
        }
    }

    private final AgiReader environment;
    private final AgiSocket socket;

    AgiReplyReader(AgiReader environment, AgiSocket socket) {
        this.environment = environment;
        this.socket = socket;
    }

    @Override
    public AgiRequest readRequest() throws AgiException {
        return environment.readRequest();
    }

    @Override
    public AgiReply readReply() throws AgiException {
        while (true) {
            String line = next();
            if (line == null || line.equals("HANGUP")) {
                // Asterisk writes HANGUP when the caller leaves; the reply that may follow no longer matters.
                throw new AgiHangupException();
            }
            Matcher m = STATUS.matcher(line);
            if (!m.matches()) {
                throw new Malformed("not '<3-digit code> ...': " + quote(line));
            }
            int status = Integer.parseInt(m.group(1));
            boolean continued = m.group(2).equals("-");
            String text = m.group(3);
            if (continued && status != AgiReply.SC_INVALID_COMMAND_SYNTAX) {
                throw new Malformed("continuation line with status " + status + " (only 520 has one)");
            }
            switch (status) {
                case AgiReply.SC_TRYING -> {
                    // "100 result=0 Trying...": the real reply follows.
                }
                case AgiReply.SC_SUCCESS -> {
                    if (!text.startsWith("result=")) {
                        throw new Malformed("200 reply without result=: " + quote(line));
                    }
                    return new ParsedReply(line);
                }
                case AgiReply.SC_DEAD_CHANNEL -> throw new AgiHangupException();
                case AgiReply.SC_INVALID_COMMAND_SYNTAX -> throw new Rejected(status, continued ? text + usage() : text);
                default -> {
                    if (status >= 500 && status <= 599) {
                        throw new Rejected(status, text);
                    }
                    throw new Malformed("unexpected status " + status + ": " + quote(line));
                }
            }
        }
    }

    /** The usage lines of a multi-line 520, up to and including {@code 520 End of proper usage.} */
    private String usage() throws AgiException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < MAX_USAGE_LINES; i++) {
            String line = next();
            if (line == null) {
                throw new Malformed("connection closed inside a 520 usage text");
            }
            if (line.startsWith("520 ")) {
                String usage = String.join(" ", lines).trim();
                // The log line needs the gist (which command, which arguments), not the whole manual page.
                return usage.isEmpty() ? "" : " " + (usage.length() > MAX_USAGE_CHARS ? usage.substring(0, MAX_USAGE_CHARS) + "..." : usage);
            }
            lines.add(line.trim());
        }
        throw new Malformed("520 usage text longer than " + MAX_USAGE_LINES + " lines");
    }

    private String next() throws AgiException {
        try {
            return socket.readLine();
        } catch (AgiProtocolException e) {
            throw new Malformed(e.getMessage());
        } catch (IOException e) {
            throw new AgiNetworkException("connection to Asterisk lost: " + e.getMessage(), e);
        }
    }

    /** Enough of the line to recognise it, with numbers masked (a reply may echo caller data). */
    private static String quote(String line) {
        return PeerText.quote(line, 60);
    }
}
