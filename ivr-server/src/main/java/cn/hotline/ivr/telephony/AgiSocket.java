package cn.hotline.ivr.telephony;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;
import org.asteriskjava.util.SocketConnectionFacade;

/**
 * The FastAGI socket as Asterisk-Java reads it, with the limits the library does not have: a line
 * longer than {@code maxLineBytes} is an error (not an unbounded buffer); the whole environment must
 * arrive within the environment timeout (a deadline, not a per-read timeout: a peer trickling a byte
 * now and then cannot stay connected forever), every reply within the reply timeout; and the AGI environment
 * is checked as it is read: every line {@code agi_name: value}, at most {@value #MAX_ENVIRONMENT_LINES}
 * of them, ended by an empty line (a peer that closes half-way sent a truncated environment, not a call).
 */
final class AgiSocket implements SocketConnectionFacade {
    static final int MAX_ENVIRONMENT_LINES = 256;
    private static final Pattern VARIABLE = Pattern.compile("agi_[a-z0-9_]+: ?.*");

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final int maxLineBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final Duration replyTimeout;
    private final Duration environmentTimeout;
    private final long environmentDeadline;
    private boolean readingEnvironment = true;
    private int environmentLines;
    private long environmentBytes;

    AgiSocket(Socket socket, int maxLineBytes, Duration environmentTimeout, Duration replyTimeout)
            throws IOException {
        this.socket = socket;
        this.replyTimeout = replyTimeout;
        this.environmentTimeout = environmentTimeout;
        this.environmentDeadline = System.nanoTime() + environmentTimeout.toNanos();
        readTimeout(environmentTimeout);
        this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        this.out = socket.getOutputStream();
        this.maxLineBytes = maxLineBytes;
    }

    private void readTimeout(Duration timeout) throws IOException {
        // At least 1 ms: 0 would mean no timeout at all.
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
    }

    /** One byte; while the environment is read, only until its deadline. */
    private int read() throws IOException {
        if (readingEnvironment) {
            long remaining = environmentDeadline - System.nanoTime();
            if (remaining <= 0) {
                throw environmentTooSlow();
            }
            if (in.available() == 0) {
                readTimeout(Duration.ofNanos(remaining));
            }
        }
        try {
            int b = in.read();
            if (b >= 0 && readingEnvironment) {
                environmentBytes++;
            }
            return b;
        } catch (SocketTimeoutException e) {
            throw readingEnvironment ? environmentTooSlow()
                    : new AgiProtocolException("peer sent nothing for " + replyTimeout.toMillis() + " ms");
        }
    }

    private AgiProtocolException environmentTooSlow() {
        if (environmentBytes == 0) {
            return new AgiProtocolException("peer sent nothing for " + environmentTimeout.toMillis() + " ms");
        }
        return new AgiProtocolException("AGI environment not complete after " + environmentTimeout.toMillis()
                + " ms (" + environmentLines + " lines, " + environmentBytes + " bytes received)");
    }

    /** Returns the next line without its CR/LF, or null at end of stream. */
    @Override
    public String readLine() throws IOException {
        String next = readRawLine();
        if (readingEnvironment) {
            checkEnvironment(next);
        }
        return next;
    }

    private void checkEnvironment(String next) throws IOException {
        if (next == null) {
            throw new AgiProtocolException("connection closed before the end of the AGI environment (after "
                    + environmentLines + " lines)");
        }
        if (next.isEmpty()) {
            readingEnvironment = false;
            readTimeout(replyTimeout);
            return;
        }
        if (++environmentLines > MAX_ENVIRONMENT_LINES) {
            throw new AgiProtocolException("AGI environment has more than " + MAX_ENVIRONMENT_LINES + " lines");
        }
        if (!VARIABLE.matcher(next).matches()) {
            // The line itself is not echoed: it may carry a caller number.
            throw new AgiProtocolException("AGI environment line " + environmentLines
                    + " is not 'agi_name: value' (" + next.length() + " characters)");
        }
    }

    private String readRawLine() throws IOException {
        line.reset();
        while (true) {
            int b = read();
            if (b < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new AgiProtocolException("connection closed in the middle of a line");
            }
            if (b == '\n') {
                break;
            }
            if (line.size() >= maxLineBytes) {
                throw new AgiProtocolException("line longer than " + maxLineBytes + " bytes");
            }
            line.write(b);
        }
        int n = line.size();
        byte[] bytes = line.toByteArray();
        if (n > 0 && bytes[n - 1] == '\r') {
            n--;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    @Override
    public void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public boolean isConnected() {
        return socket.isConnected() && !socket.isClosed();
    }

    @Override
    public InetAddress getLocalAddress() {
        return socket.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return socket.getLocalPort();
    }

    @Override
    public InetAddress getRemoteAddress() {
        return socket.getInetAddress();
    }

    @Override
    public int getRemotePort() {
        return socket.getPort();
    }
}
