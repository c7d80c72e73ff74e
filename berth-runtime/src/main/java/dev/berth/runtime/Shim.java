package dev.berth.runtime;

import dev.berth.runtime.linux.Libc;
import dev.berth.runtime.plan.Plan;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Starts the C shim (src/main/c) with a plan and reads what it reports, one line per event: {@code monitor M},
 * {@code pid P}, {@code ready}, {@code started}, {@code error IDX ERRNO DETAIL}, {@code exit CODE SIGNAL}. See
 * shim.h for the protocol. The shim is started by ProcessBuilder with the caller's stdio inherited (the
 * container's stdio, for run), its plan in a file, and this end of a Unix socket to report on: no native call
 * from Java on this path.
 */
final class Shim implements AutoCloseable {
    /** One line from the shim, split into its verb and the rest. */
    record Event(String verb, String rest) {
        int number() {
            return Integer.parseInt(rest.split(" ")[0]);
        }
    }

    private static final long CONNECT_TIMEOUT_MS = 10_000;
    private final SocketChannel channel;
    private final Selector selector;
    private final Plan plan;
    private final ByteBuffer buf = ByteBuffer.allocate(4096);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean eof;

    private Shim(SocketChannel channel, Selector selector, Plan plan) {
        this.channel = channel;
        this.selector = selector;
        this.plan = plan;
    }

    /** Where the shim binary is: -Dberth.shim, $BERTH_SHIM, or libexec/ beside the lib/ holding berth's jars. */
    static Path locate() {
        String p = System.getProperty("berth.shim", System.getenv("BERTH_SHIM"));
        if (p != null) return Path.of(p);
        try {
            Path jar = Path.of(Shim.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent().getParent().resolve("libexec/berth-shim");
            if (Files.isExecutable(candidate)) return candidate;
        } catch (URISyntaxException | RuntimeException ignored) {
            // fall through to the error below
        }
        throw new IllegalStateException("cannot find berth-shim: build with ./berth (or mvn package), or set BERTH_SHIM");
    }

    /** A Unix socket path must fit in 108 bytes: beside the state, or in /tmp when that path is too long. */
    private static Path socketPath(Path dir) {
        Path p = dir.resolve("sync.sock");
        return p.toString().length() < 100 ? p : Path.of(System.getProperty("java.io.tmpdir"), "berth-" + UUID.randomUUID() + ".sock");
    }

    /** Starts the shim on a plan; dir receives the plan file and, briefly, the socket. */
    static Shim spawn(Path shim, Plan plan, Path dir, ContainerRuntime.Stdio stdio) throws IOException {
        Path planFile = dir.resolve("plan");
        Files.write(planFile, plan.encode());
        Path sock = socketPath(dir);
        Selector selector = Selector.open();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            Process first = new ProcessBuilder(shim.toString(), planFile.toString(), sock.toString())
                    .redirectInput(stdio.in()).redirectOutput(stdio.out()).redirectError(stdio.err()).start();
            if (selector.select(CONNECT_TIMEOUT_MS) == 0) {
                first.destroyForcibly();
                throw new ContainerException("the shim " + shim + " did not connect within " + CONNECT_TIMEOUT_MS / 1000 + " s");
            }
            SocketChannel ch = server.accept();
            selector.selectedKeys().clear();
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            first.waitFor(); // the shim forks and its first process exits at once
            return new Shim(ch, selector, plan);
        } catch (IOException | RuntimeException e) {
            selector.close();
            Files.deleteIfExists(planFile);
            throw e;
        } catch (InterruptedException e) {
            selector.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the shim", e);
        } finally {
            Files.deleteIfExists(sock);
        }
    }

    /** The next event; null at end of stream (the monitor exited). A negative timeout waits for ever. */
    Event next(long timeoutMillis) {
        try {
            while (true) {
                byte[] have = pending.toByteArray();
                for (int i = 0; i < have.length; i++) {
                    if (have[i] == '\n') {
                        String line = new String(have, 0, i, StandardCharsets.UTF_8);
                        pending.reset();
                        pending.write(have, i + 1, have.length - i - 1);
                        int sp = line.indexOf(' ');
                        return sp < 0 ? new Event(line, "") : new Event(line.substring(0, sp), line.substring(sp + 1));
                    }
                }
                if (eof) return null;
                int ready = timeoutMillis < 0 ? selector.select() : selector.select(Math.max(1, timeoutMillis));
                if (ready == 0 && timeoutMillis >= 0) throw new ContainerException("timed out after " + timeoutMillis + " ms waiting for the shim");
                selector.selectedKeys().clear();
                buf.clear();
                int n = channel.read(buf);
                if (n < 0) eof = true;
                else pending.write(buf.array(), 0, n);
            }
        } catch (IOException e) {
            throw new ContainerException("reading from the shim: " + e.getMessage());
        }
    }

    /** Turns an {@code error} event into the sentence that names the step and the cause. */
    String explain(Event e) {
        String[] p = e.rest().split(" ", 3);
        int index = Integer.parseInt(p[0]);
        int errno = Integer.parseInt(p[1]);
        return plan.explain(index, Libc.strerror(errno), p.length > 2 ? p[2] : "");
    }

    /** A {@code warning ERRNO DETAIL} event as a sentence. */
    String explainWarning(Event e) {
        String[] p = e.rest().split(" ", 2);
        return (p.length > 1 ? p[1] : "") + ": " + Libc.strerror(Integer.parseInt(p[0]));
    }

    @Override
    public void close() {
        try {
            selector.close();
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
