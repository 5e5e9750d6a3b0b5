package cn.hotline.ivr.telephony;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A hand-written Asterisk for bad-reply tests: sends an environment, then answers each command with
 * what the test's function returns for it (raw text, any number of lines), or a well-formed default
 * when it returns null. {@link #CLOSE} closes the connection instead of replying;
 * {@link #PARTIAL_THEN_CLOSE} sends part of a line first.
 */
final class AgiPeer {
    static final String CLOSE = "<close>";
    /** Prefix: send the rest without a line end, then close (a reply cut off). */
    static final String PARTIAL_THEN_CLOSE = "<partial>";

    /** What the server did: the commands it sent, the variables it set, and whether it closed the socket. */
    record Result(List<String> commands, Map<String, String> variables, boolean serverClosed) {
    }

    static String environment(String uniqueId) {
        return "agi_network: yes\nagi_network_script: hotline\nagi_request: agi://127.0.0.1/hotline\n"
                + "agi_channel: PJSIP/trunk-00000001\nagi_language: zh\nagi_type: PJSIP\n"
                + "agi_uniqueid: " + uniqueId + "\nagi_version: 22.10.1\nagi_callerid: 13800138000\n"
                + "agi_dnid: 12345\nagi_context: hotline-12345\nagi_extension: 12345\nagi_priority: 3\n\n";
    }

    /** Runs one call; {@code replies} gets the command's index (0 = the first) and its line. */
    static Result call(InetSocketAddress server, String uniqueId, BiFunction<Integer, String, String> replies)
            throws IOException {
        List<String> commands = new ArrayList<>();
        Map<String, String> variables = new LinkedHashMap<>();
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(environment(uniqueId).getBytes(StandardCharsets.UTF_8));
            while (true) {
                String command = readLine(in);
                if (command == null) {
                    return new Result(commands, variables, true);
                }
                commands.add(command);
                String[] words = command.split(" ", 4);
                if (command.startsWith("SET VARIABLE") && words.length == 4) {
                    variables.put(words[2].replace("\"", ""), words[3].replace("\"", ""));
                }
                String reply = replies.apply(commands.size() - 1, command);
                if (CLOSE.equals(reply)) {
                    return new Result(commands, variables, false);
                }
                if (reply != null && reply.startsWith(PARTIAL_THEN_CLOSE)) {
                    out.write(reply.substring(PARTIAL_THEN_CLOSE.length()).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    return new Result(commands, variables, false);
                }
                if (reply == null) {
                    reply = command.startsWith("SET VARIABLE") ? "200 result=1"
                            : command.startsWith("GET VARIABLE") ? "200 result=0"
                            : "200 result=0 endpos=100";
                }
                out.write((reply.endsWith("\n") ? reply : reply + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            sb.append((char) b);
        }
        return b < 0 && sb.isEmpty() ? null : sb.toString();
    }

    private AgiPeer() {
    }
}
