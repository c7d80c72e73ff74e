package dev.berth.api.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The write side of one connection: a reused buffer that is written to the socket on {@link #flush}. Writes
 * too large for it go out directly. A failed write means the client left: it surfaces as
 * {@link ClientGoneException}, and the connection is marked broken.
 */
final class ChannelOutput extends OutputStream {
    static final int BUFFER = 16 * 1024;

    private final Transport channel;
    private final byte[] buf = new byte[BUFFER];
    private int count;
    private boolean broken;

    ChannelOutput(Transport channel) {
        this.channel = channel;
    }

    boolean broken() {
        return broken;
    }

    @Override
    public void write(int b) throws IOException {
        if (count == buf.length) flushBuffer();
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len <= buf.length - count) {
            System.arraycopy(b, off, buf, count, len);
            count += len;
            return;
        }
        flushBuffer();
        if (len < buf.length) {
            System.arraycopy(b, off, buf, 0, len);
            count = len;
        } else {
            send(ByteBuffer.wrap(b, off, len));
        }
    }

    /** Writes an ASCII string (header text). */
    void ascii(String s) throws IOException {
        int n = s.length();
        if (n > buf.length - count) flushBuffer();
        if (n > buf.length) {
            write(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return;
        }
        for (int i = 0; i < n; i++) buf[count++] = (byte) s.charAt(i);
    }

    @Override
    public void flush() throws IOException {
        flushBuffer();
    }

    private void flushBuffer() throws IOException {
        if (count == 0) return;
        int n = count;
        count = 0;
        send(ByteBuffer.wrap(buf, 0, n));
    }

    private void send(ByteBuffer b) throws IOException {
        if (broken) throw new ClientGoneException("the client closed the connection", null);
        try {
            channel.write(b);
        } catch (IOException e) {
            broken = true;
            throw new ClientGoneException("the client closed the connection: " + e.getMessage(), e);
        }
    }

    /** Drops anything not yet written (after a failed exchange, before an error reply). */
    void discard() {
        count = 0;
    }
}
