package dev.berth.api.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** A test client that speaks HTTP/1.1 by hand over a Unix socket, so every byte on the wire can be checked. */
public final class RawClient implements AutoCloseable {
    /** A parsed reply; {@code headers} are case-insensitive, with the last value of a repeated name. */
    public record Reply(int status, String reason, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final SocketChannel ch;
    private final byte[] buf = new byte[64 * 1024];
    private int pos, limit;

    private RawClient(SocketChannel ch) {
        this.ch = ch;
    }

    public static RawClient connect(Path socket) throws IOException {
        return connect(UnixDomainSocketAddress.of(socket));
    }

    public static RawClient connect(SocketAddress address) throws IOException {
        return new RawClient(SocketChannel.open(address));
    }

    SocketChannel channel() {
        return ch;
    }

    public void write(String s) throws IOException {
        write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] b) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) ch.write(bb);
    }

    /** Sends a request without a body and reads the whole reply. */
    public Reply get(String target) throws IOException {
        write("GET " + target + " HTTP/1.1\r\nHost: docker\r\n\r\n");
        return read(false);
    }

    /** Sends a request with a Content-Length body and reads the whole reply. */
    public Reply send(String method, String target, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        write(method + " " + target + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n");
        write(b);
        return read(method.equals("HEAD"));
    }

    /** Reads a whole reply: the body by Content-Length, chunked coding, or none (HEAD, 1xx, 204, 304). */
    public Reply read(boolean head) throws IOException {
        Reply h = readHead();
        if (head || h.status() < 200 || h.status() == 204 || h.status() == 304) return h;
        if ("chunked".equalsIgnoreCase(h.header("Transfer-Encoding"))) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] c;
            while ((c = readChunk()) != null) all.writeBytes(c);
            return new Reply(h.status(), h.reason(), h.headers(), all.toByteArray());
        }
        String cl = h.header("Content-Length");
        if (cl == null) throw new IOException("reply " + h.status() + " has neither Content-Length nor chunked coding");
        return new Reply(h.status(), h.reason(), h.headers(), readN(Integer.parseInt(cl)));
    }

    /** Reads the status line and headers only. */
    public Reply readHead() throws IOException {
        String status = readLine();
        String[] p = status.split(" ", 3);
        if (!p[0].equals("HTTP/1.1")) throw new IOException("bad status line: " + status);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String line;
        while (!(line = readLine()).isEmpty()) {
            int c = line.indexOf(':');
            headers.put(line.substring(0, c), line.substring(c + 1).strip());
        }
        return new Reply(Integer.parseInt(p[1]), p.length > 2 ? p[2] : "", headers, new byte[0]);
    }

    /** One chunk of a chunked body, or null for the terminating chunk (its trailer line is consumed). */
    byte[] readChunk() throws IOException {
        int size = Integer.parseInt(readLine().strip(), 16);
        if (size == 0) {
            if (!readLine().isEmpty()) throw new IOException("trailers after the last chunk");
            return null;
        }
        byte[] b = readN(size);
        if (!readLine().isEmpty()) throw new IOException("chunk not followed by CRLF");
        return b;
    }

    String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = readByte();
            if (c < 0) throw new EOFException("connection closed after \"" + sb + "\"");
            if (c == '\n') break;
            sb.append((char) c);
        }
        int n = sb.length();
        if (n == 0 || sb.charAt(n - 1) != '\r') throw new IOException("line not ended by CRLF: " + sb);
        return sb.substring(0, n - 1);
    }

    byte[] readN(int n) throws IOException {
        byte[] b = new byte[n];
        for (int i = 0; i < n; ) {
            if (pos == limit && !fill()) throw new EOFException("connection closed " + (n - i) + " bytes early");
            int k = Math.min(n - i, limit - pos);
            System.arraycopy(buf, pos, b, i, k);
            pos += k;
            i += k;
        }
        return b;
    }

    int readByte() throws IOException {
        if (pos == limit && !fill()) return -1;
        return buf[pos++] & 0xff;
    }

    /** Everything until the server closes the connection. */
    byte[] readToEof() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int c;
        while ((c = readByte()) >= 0) all.write(c);
        return all.toByteArray();
    }

    /** Bytes already received but not yet read. */
    int buffered() {
        return limit - pos;
    }

    private boolean fill() throws IOException {
        pos = 0;
        limit = 0;
        int n = ch.read(ByteBuffer.wrap(buf));
        if (n <= 0) return false;
        limit = n;
        return true;
    }

    void shutdownOutput() throws IOException {
        ch.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
