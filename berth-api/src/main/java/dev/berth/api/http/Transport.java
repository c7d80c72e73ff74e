package dev.berth.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;

/**
 * One connection's bytes: a socket channel (Unix or plain TCP) or a TLS socket. Blocking, served on the
 * connection's virtual thread; a read and a write may run at once from two threads (hijacked streams).
 * Buffers passed in are heap buffers.
 */
interface Transport {
    /** Reads into {@code b}; -1 at the end of the stream. */
    int read(ByteBuffer b) throws IOException;

    /** Writes all of {@code b}. */
    void write(ByteBuffer b) throws IOException;

    /** Ends the stream towards the client while it may still send. */
    void shutdownOutput() throws IOException;

    void close() throws IOException;

    static Transport of(SocketChannel ch) {
        return new Transport() {
            public int read(ByteBuffer b) throws IOException {
                return ch.read(b);
            }

            public void write(ByteBuffer b) throws IOException {
                while (b.hasRemaining()) ch.write(b);
            }

            public void shutdownOutput() throws IOException {
                ch.shutdownOutput();
            }

            public void close() throws IOException {
                ch.close();
            }
        };
    }

    /**
     * A TLS connection: the handshake runs on the first read, on the connection's own thread. Half-closing
     * sends close_notify and keeps reading (TLS 1.3); the docker CLI's CloseWrite arrives as end of stream.
     */
    static Transport of(SSLSocket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        return new Transport() {
            public int read(ByteBuffer b) throws IOException {
                int n = in.read(b.array(), b.arrayOffset() + b.position(), b.remaining());
                if (n > 0) b.position(b.position() + n);
                return n;
            }

            public void write(ByteBuffer b) throws IOException {
                out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                out.flush();
                b.position(b.limit());
            }

            public void shutdownOutput() throws IOException {
                s.shutdownOutput();
            }

            public void close() throws IOException {
                s.close();
            }
        };
    }
}
