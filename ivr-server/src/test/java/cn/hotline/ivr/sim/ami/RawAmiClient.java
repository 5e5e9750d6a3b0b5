package cn.hotline.ivr.sim.ami;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A bare AMI client over TCP for tests: writes actions verbatim and reads messages as they come. */
public final class RawAmiClient implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    public final String banner;
    /** Everything read so far, in order. */
    public final List<AmiMessage> seen = new ArrayList<>();

    public RawAmiClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
        banner = in.readLine();
    }

    /** Sends {@code "Key: Value"} pairs as one action. */
    public void send(String... headerPairs) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < headerPairs.length; i += 2) {
            sb.append(headerPairs[i]).append(": ").append(headerPairs[i + 1]).append("\r\n");
        }
        out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    public AmiMessage next() throws IOException {
        Optional<AmiMessage> m = AmiMessage.read(in, 500);
        if (m.isEmpty()) {
            throw new IOException("server closed the connection");
        }
        seen.add(m.get());
        return m.get();
    }

    /** Reads until a message whose Event or Response is {@code kind}. */
    public AmiMessage until(String kind) throws IOException {
        while (true) {
            AmiMessage m = next();
            if (m.kind().equals(kind)) {
                return m;
            }
        }
    }

    /** True when the server closes the connection before {@code kind} is seen (or nothing else comes). */
    public boolean closedBefore(String kind) {
        try {
            until(kind);
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    public void login(String user, String secret) throws IOException {
        send("Action", "Login", "ActionID", "login-1", "Username", user, "Secret", secret, "Events", "on");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
