package cn.hotline.ivr.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay for tests that can make the links it carries go silent without closing them: what a
 * network that drops packets, or a server host that vanished, looks like from the browser.
 */
final class StallingRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Link> links = new CopyOnWriteArrayList<>();

    private static final class Link {
        volatile boolean stalled;
        final List<Socket> sockets = new CopyOnWriteArrayList<>();
    }

    StallingRelay(InetSocketAddress target) throws IOException {
        listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Socket server = new Socket(target.getAddress(), target.getPort());
                    Link link = new Link();
                    link.sockets.addAll(List.of(client, server));
                    links.add(link);
                    Thread.ofVirtual().start(() -> copy(link, client, server));
                    Thread.ofVirtual().start(() -> copy(link, server, client));
                } catch (IOException e) {
                    return;   // closed
                }
            }
        });
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The links open now carry nothing more, either way, and stay open; new links work. */
    void stallOpenLinks() {
        links.forEach(l -> l.stalled = true);
    }

    private static void copy(Link link, Socket from, Socket to) {
        byte[] buf = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (!link.stalled) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // one side closed: close the other below
        }
        if (!link.stalled) {
            link.sockets.forEach(s -> {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            });
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Link l : links) {
            for (Socket s : l.sockets) {
                s.close();
            }
        }
    }
}
