package dev.berth.api.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The read side of one connection: a buffer reused for every request on it. Request heads are read line by
 * line from the buffer; bodies and hijacked streams read what is buffered first, then large reads go straight
 * from the socket into the caller's array.
 */
final class ChannelInput extends InputStream {
    static final int BUFFER = 16 * 1024;

    private final Transport channel;
    private final byte[] buf = new byte[BUFFER];
    private final ByteBuffer bb = ByteBuffer.wrap(buf);
    private int pos, limit;

    ChannelInput(Transport channel) {
        this.channel = channel;
    }

    /** Bytes already read from the socket and not yet consumed. */
    int buffered() {
        return limit - pos;
    }

    /** Refills an empty buffer; returns false at end of stream. */
    private boolean fill() throws IOException {
        pos = 0;
        limit = 0;
        bb.clear();
        int n = channel.read(bb);
        if (n <= 0) return false;
        limit = n;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (pos == limit && !fill()) return -1;
        return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (pos < limit) {
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }
        if (len >= BUFFER) return channel.read(ByteBuffer.wrap(b, off, len));
        if (!fill()) return -1;
        return read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) return 0;
        if (pos == limit && !fill()) return 0;
        int k = (int) Math.min(n, limit - pos);
        pos += k;
        return k;
    }

    @Override
    public int available() {
        return limit - pos;
    }

    /**
     * Waits for the first byte of the next request: true if one is there, false on a clean end of stream.
     * The connection counts as idle until this returns.
     */
    boolean awaitData() throws IOException {
        return pos < limit || fill();
    }

    /**
     * Reads one line ending in LF (a preceding CR is dropped), as ISO-8859-1. {@code budget[0]} is the number
     * of bytes the rest of the head may take; the line is charged against it.
     */
    String readLine(int[] budget) throws IOException {
        StringBuilder spill = null;
        while (true) {
            if (pos == limit && !fill()) throw new EOFException("connection closed in the middle of a request head");
            int start = pos;
            int end = start;
            while (end < limit && buf[end] != '\n') end++;
            int n = end - start;
            budget[0] -= n + (end < limit ? 1 : 0);
            if (budget[0] < 0) throw new HeadTooLarge();
            if (end < limit) {
                pos = end + 1;
                int len = n > 0 && buf[end - 1] == '\r' ? n - 1 : n;
                if (spill == null) return new String(buf, start, len, StandardCharsets.ISO_8859_1);
                spill.append(new String(buf, start, n, StandardCharsets.ISO_8859_1));
                int l = spill.length();
                if (l > 0 && spill.charAt(l - 1) == '\r') spill.setLength(l - 1);
                return spill.toString();
            }
            if (spill == null) spill = new StringBuilder(2 * n + 16);
            spill.append(new String(buf, start, n, StandardCharsets.ISO_8859_1));
            pos = limit;
        }
    }

    /** A request head above the limit: answered with 431 and the connection closed. */
    static final class HeadTooLarge extends IOException {
        HeadTooLarge() {
            super("request head too large", null);
        }
    }
}
