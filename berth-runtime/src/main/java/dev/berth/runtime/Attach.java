package dev.berth.runtime;

import dev.berth.runtime.linux.Libc;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A client of a container's attach socket (managed stdio, {@link dev.berth.runtime.plan.Io}): the monitor sends
 * the container's output from the moment the client connects, as docker's multiplexed frames
 * ({@code [1 stdout | 2 stderr][0 0 0][u32 big-endian length][payload]}) for a container without a terminal and as
 * raw bytes for one with a terminal, so the engine can relay them unchanged; it closes the socket after the
 * container exited and all its output was sent. What the client writes goes to the container's stdin.
 * {@link #closeStdin()} (a half-close) ends that stdin when the container was created stdin-once; {@link #close()}
 * is a detach and never affects the container. A client must keep reading: one that takes nothing for 5 s while
 * output waits is disconnected (the container is held back meanwhile, as docker holds it).
 */
public final class Attach implements AutoCloseable {
    /** One multiplexed frame: stream 1 is stdout, 2 stderr. */
    public record Frame(int stream, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** What a client read until the container ended: stdout and stderr apart (or the terminal's bytes in stdout). */
    public record Output(byte[] stdout, byte[] stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public String err() {
            return new String(stderr, StandardCharsets.UTF_8);
        }
    }

    private final SocketChannel channel;
    private final ByteBuffer header = ByteBuffer.allocate(8);

    private Attach(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to an attach socket; fails (connection refused, no such file) once the container's monitor is gone. */
    public static Attach connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new Attach(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The socket, blocking, for callers that relay with their own threads or buffers. */
    public SocketChannel channel() {
        return channel;
    }

    /** The next frame of a container without a terminal; null once the monitor closed the socket. */
    public Frame readFrame() throws IOException {
        header.clear();
        if (!fill(header, true)) return null;
        int stream = header.get(0) & 0xff;
        int len = header.getInt(4);
        if (len < 0) throw new IOException("attach: frame of " + Integer.toUnsignedString(len) + " bytes");
        ByteBuffer payload = ByteBuffer.allocate(len);
        fill(payload, false);
        return new Frame(stream, payload.array());
    }

    private boolean fill(ByteBuffer b, boolean eofAllowed) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                if (eofAllowed && b.position() == 0) return false;
                throw new EOFException("attach: the stream ended inside a frame");
            }
        }
        return true;
    }

    /** Raw bytes as they come (the terminal's output, or frames undecoded); -1 once the monitor closed the socket. */
    public int read(byte[] buf, int off, int len) throws IOException {
        return channel.read(ByteBuffer.wrap(buf, off, len));
    }

    /** Reads frames (or, with tty, raw bytes) until the monitor closes the socket after the container's exit. */
    public Output readAll(boolean tty) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        if (tty) {
            byte[] buf = new byte[8192];
            for (int n; (n = read(buf, 0, buf.length)) >= 0; ) out.write(buf, 0, n);
        } else {
            for (Frame f; (f = readFrame()) != null; ) (f.stream() == 2 ? err : out).writeBytes(f.payload());
        }
        return new Output(out.toByteArray(), err.toByteArray());
    }

    /** Sends bytes to the container's stdin (ignored by the monitor when it has none). */
    public void write(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) channel.write(b);
    }

    public void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Half-closes: the end of this client's stdin (the container's, when it is stdin-once). Output keeps coming. */
    public void closeStdin() throws IOException {
        channel.shutdownOutput();
    }

    /** Detaches. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    /** Sets the size of the container's terminal through its control socket; returns once the monitor has done it. */
    public static void resize(Path controlSocket, int rows, int cols) throws IOException {
        if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff) throw new IllegalArgumentException("terminal size " + rows + "x" + cols + " out of range");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(controlSocket));
            ByteBuffer b = ByteBuffer.wrap(("resize " + rows + " " + cols + "\n").getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) ch.write(b);
            ByteBuffer reply = ByteBuffer.allocate(32);
            while (reply.position() == 0 || reply.get(reply.position() - 1) != '\n') {
                if (ch.read(reply) < 0 || !reply.hasRemaining()) throw new IOException("resize: no answer from the monitor on " + controlSocket);
            }
            int errno = Integer.parseInt(new String(reply.array(), 0, reply.position() - 1, StandardCharsets.US_ASCII).trim());
            if (errno != 0) throw new IOException("resize " + rows + "x" + cols + ": " + Libc.strerror(errno));
        }
    }
}
