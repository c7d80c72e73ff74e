package dev.berth.api.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The Docker Engine API's HTTP/1.1 server: listens on a Unix socket (or, for tests, a TCP address), or on TCP
 * with TLS and required client certificates ({@link #startTls}), serves each connection on its own virtual
 * thread with keep-alive, and hands requests to a {@link Router}.
 *
 * <p>A Unix socket path left behind by a dead server is removed first (a live one is refused, as is a path
 * that is not a socket); the socket is made mode 0660. {@link #close()} stops accepting, closes idle
 * connections at once, lets busy ones finish their exchange, and closes what is left after a grace period.
 */
public final class HttpServer implements AutoCloseable {
    /** Hears about exchanges and failures; by default failures go to stderr with their request line. */
    public interface Listener {
        /** One exchange ended: its status (-1 if none was sent) and how long it took. */
        default void exchange(Request request, int status, long nanos) {
        }

        /** A handler failed (the client got a 500, or its stream was cut); {@code line} is the request line. */
        default void failure(String line, Throwable error) {
            synchronized (System.err) {
                System.err.println("berth api: " + line + ": " + error);
                error.printStackTrace(System.err);
            }
        }
    }

    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);

    private final ServerSocketChannel server; // null for TLS
    private final SSLServerSocket tls; // null for a channel
    private final SocketAddress address;
    private final Path socketPath;
    private final Router router;
    private final Listener listener;
    private final byte[] commonHeaders;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closing;

    private HttpServer(ServerSocketChannel server, Path socketPath, Router router, Listener listener) throws IOException {
        this(server, null, server.getLocalAddress(), socketPath, router, listener);
    }

    private HttpServer(ServerSocketChannel server, SSLServerSocket tls, SocketAddress address, Path socketPath, Router router,
                       Listener listener) {
        this.server = server;
        this.tls = tls;
        this.address = address;
        this.socketPath = socketPath;
        this.router = router;
        this.listener = listener;
        EngineVersion v = router.version();
        this.commonHeaders = ("Api-Version: " + v.apiVersion() + "\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: "
                + v.serverHeader() + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        this.acceptor = Thread.ofVirtual().name("berth-http-accept").unstarted(this::acceptLoop);
    }

    /** Starts serving on a {@link UnixDomainSocketAddress} or an {@link InetSocketAddress}. */
    public static HttpServer start(SocketAddress address, Router router) throws IOException {
        return start(address, router, new Listener() { });
    }

    public static HttpServer start(SocketAddress address, Router router, Listener listener) throws IOException {
        HttpServer s = switch (address) {
            case UnixDomainSocketAddress unix -> {
                Path path = unix.getPath();
                removeStale(path);
                ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.bind(unix, 128);
                    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
                } catch (IOException e) {
                    ch.close();
                    throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
                }
                yield new HttpServer(ch, path, router, listener);
            }
            case InetSocketAddress inet -> {
                ServerSocketChannel ch = ServerSocketChannel.open();
                try {
                    ch.bind(inet, 128);
                } catch (IOException e) {
                    ch.close();
                    throw new IOException("cannot listen on " + inet + ": " + e.getMessage(), e);
                }
                yield new HttpServer(ch, null, router, listener);
            }
            default -> throw new IllegalArgumentException("cannot listen on a " + address.getClass().getSimpleName());
        };
        s.acceptor.start();
        return s;
    }

    /**
     * Starts serving HTTPS on a TCP address: TLS 1.2 or 1.3 only, and only to clients whose certificate the
     * context's trust managers accept (docker's --tlsverify). A client without one, or speaking plain HTTP,
     * fails the handshake and is disconnected; the handshake runs on the connection's thread.
     */
    public static HttpServer startTls(InetSocketAddress address, SSLContext context, Router router, Listener listener) throws IOException {
        SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(address, 128);
            s.setNeedClientAuth(true);
            s.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        HttpServer h = new HttpServer(null, s, s.getLocalSocketAddress(), null, router, listener);
        h.acceptor.start();
        return h;
    }

    /** Removes a socket file no server answers on; refuses a live socket or a path that is not a socket. */
    private static void removeStale(Path path) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        if (!attrs.isOther()) throw new IOException("cannot listen on " + path + ": it exists and is not a socket");
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("cannot listen on " + path + ": another server is listening on it");
        } catch (java.net.SocketException e) { // refused: nobody listens
            Files.deleteIfExists(path);
        }
    }

    private void acceptLoop() {
        while (!closing) {
            Transport ch;
            try {
                if (tls != null) {
                    SSLSocket s = (SSLSocket) tls.accept();
                    s.setTcpNoDelay(true);
                    ch = Transport.of(s);
                } else {
                    SocketChannel sc = server.accept();
                    if (address instanceof InetSocketAddress) setNoDelay(sc);
                    ch = Transport.of(sc);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closing) return;
                listener.failure("accept on " + address, e);
                try {
                    Thread.sleep(50); // out of file descriptors, say: do not spin
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            Connection c = new Connection(this, ch);
            connections.add(c);
            if (closing) c.closeIfIdle();
            Thread.ofVirtual().name("berth-http-conn").start(c);
        }
    }

    private static void setNoDelay(SocketChannel ch) {
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            // not fatal: only latency
        }
    }

    /** The address served: for TCP port 0, the port chosen. */
    public SocketAddress address() {
        return address;
    }

    /** Connections open now (idle or busy). */
    public int connections() {
        return connections.size();
    }

    Router router() {
        return router;
    }

    Listener listener() {
        return listener;
    }

    byte[] commonHeaders() {
        return commonHeaders;
    }

    boolean closing() {
        return closing;
    }

    void removed(Connection c) {
        connections.remove(c);
    }

    /** Closes with {@link #DEFAULT_GRACE} for busy connections. */
    @Override
    public void close() {
        close(DEFAULT_GRACE);
    }

    /**
     * Stops accepting, removes the socket file, closes idle connections, waits up to {@code grace} for busy
     * ones (each closes after its current exchange) and then closes the rest.
     */
    public void close(Duration grace) {
        closing = true;
        try {
            if (server != null) server.close();
            if (tls != null) tls.close();
        } catch (IOException e) {
            // closing anyway
        }
        if (socketPath != null) {
            try {
                Files.deleteIfExists(socketPath);
            } catch (IOException e) {
                // a stale socket is removed at the next start
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            connections.removeIf(Connection::closeIfIdle);
            if (connections.isEmpty() || System.nanoTime() >= deadline) break;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection c : connections) c.closeQuietly();
        connections.clear();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
