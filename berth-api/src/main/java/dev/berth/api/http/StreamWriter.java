package dev.berth.api.http;

import dev.berth.oci.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The body of a chunked reply (pull, push, build, events, logs, wait, stats). {@link #write} buffers one chunk
 * per call; {@link #flush} sends what is buffered; {@link #writeJson} sends one message at once, as docker-py
 * requires. Methods are synchronized, so a stdout and a stderr pump can share one writer without interleaving
 * frames. After the head is sent every failure must go in-band (an {@code error} message): the status cannot
 * change any more.
 */
public final class StreamWriter implements AutoCloseable {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST = {'0', '\r', '\n', '\r', '\n'};

    private final ChannelOutput out;
    private final boolean discard;
    private boolean closed;

    StreamWriter(ChannelOutput out, boolean discard) {
        this.out = out;
        this.discard = discard;
    }

    /** Buffers {@code b} as one chunk; call {@link #flush} to send. An empty array writes nothing. */
    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IllegalStateException("stream already closed");
        if (len == 0 || discard) return;
        out.ascii(Integer.toHexString(len));
        out.write(CRLF);
        out.write(b, off, len);
        out.write(CRLF);
    }

    /** Sends one JSON object followed by CRLF, as moby does, and flushes it. */
    public synchronized void writeJson(Object message) throws IOException {
        write((Json.write(message) + "\r\n").getBytes(StandardCharsets.UTF_8));
        flush();
    }

    public synchronized void flush() throws IOException {
        if (!discard) out.flush();
    }

    /** Sends the terminating chunk and flushes; the connection then serves the next request. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        if (discard) return;
        out.write(LAST);
        out.flush();
    }

    synchronized boolean closed() {
        return closed;
    }
}
