package dev.berth.cli;

import dev.berth.oci.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small Docker Engine API client for berth's daemon: HTTP/1.1 over the Unix socket, with Content-Length and
 * chunked bodies both ways, and the hijacked connections of attach and exec. Hand-written on a
 * {@link SocketChannel} (java.net.http cannot reach a Unix socket) and lean in classes: {@code berth run} pays
 * for every class it loads (docs/startup.md).
 */
final class DockerClient implements AutoCloseable {
    static final String DEFAULT_SOCKET = "/run/berth/berth.sock";
    /** The API version berth's daemon advertises; paths carry it as the docker CLI's do. */
    private static final String PREFIX = "/v1.50";

    final Path socket;
    /** A connection whose last reply was read to its end: reused for the next request (keep-alive). */
    private Conn idle;

    DockerClient(Path socket) {
        this.socket = socket;
    }

    /** -H/--host, else $BERTH_HOST, else $DOCKER_HOST when it names a Unix socket, else the default socket. */
    static DockerClient of(String host) {
        if (host == null) host = System.getenv("BERTH_HOST");
        if (host == null || host.isEmpty()) {
            String d = System.getenv("DOCKER_HOST");
            host = d != null && d.startsWith("unix://") ? d : "unix://" + DEFAULT_SOCKET;
        }
        if (host.startsWith("unix://")) return new DockerClient(Path.of(host.substring("unix://".length())));
        if (host.startsWith("/")) return new DockerClient(Path.of(host));
        throw new Args.UsageException("--host: berth's daemon listens on a Unix socket (unix:///path), not " + host);
    }

    /** The daemon is not there: Main prints the message alone, exit 1. */
    static final class NotRunning extends IOException {
        NotRunning(Path socket) {
            super("the daemon is not running at " + socket + "; start it with `sudo berth daemon"
                    + (socket.toString().equals(DEFAULT_SOCKET) ? "" : " -H unix://" + socket) + "` (or `systemctl start berth`)");
        }
    }

    /** An error reply: the status and the daemon's {"message"}. Printed as docker does. */
    static final class ApiError extends IOException {
        final int status;

        ApiError(int status, String message) {
            super("Error response from daemon: " + message);
            this.status = status;
        }

        String daemonMessage() {
            return getMessage().substring("Error response from daemon: ".length());
        }
    }

    /** Opens a new connection to the daemon. */
    Conn connect() throws IOException {
        try {
            return new Conn(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        } catch (SocketException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("No such file") || m.contains("refused")) throw new NotRunning(socket);
            throw new IOException("cannot connect to the daemon at " + socket + ": " + m + (m.contains("denied") ? " (run as root)" : ""));
        }
    }

    /** This client with a connection open, or null when the daemon is not running (image verbs then use the store). */
    DockerClient reachable() throws IOException {
        try {
            idle = connect();
            return this;
        } catch (NotRunning e) {
            return null;
        }
    }

    private Conn take() throws IOException {
        Conn c = idle;
        idle = null;
        return c != null ? c : connect();
    }

    /** Sends a request and reads the reply's head; its body is {@link Reply#body}. */
    Reply send(String method, String path, Object json) throws IOException {
        return send(take(), method, path, json == null ? null : json(json), null);
    }

    Reply send(Conn c, String method, String path, byte[] body, String extraHeaders) throws IOException {
        StringBuilder h = new StringBuilder(160);
        h.append(method).append(' ').append(path.startsWith("/_ping") ? path : PREFIX + path).append(" HTTP/1.1\r\nHost: berth\r\nUser-Agent: berth-cli/")
                .append(Main.VERSION).append("\r\n");
        if (extraHeaders != null) h.append(extraHeaders);
        if (body != null) h.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        else if (!method.equals("GET") && !method.equals("HEAD") && extraHeaders == null) h.append("Content-Length: 0\r\n");
        h.append("\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null) c.write(head, 0, head.length);
        else {
            byte[] all = new byte[head.length + body.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            c.write(all, 0, all.length);
        }
        return c.readReply(method.equals("HEAD"));
    }

    /** A request whose reply is JSON (or empty): the parsed value, null for none; ApiError for 4xx/5xx. */
    Object call(String method, String path, Object json) throws IOException {
        Reply r = send(method, path, json);
        byte[] b = r.body.readAllBytes();
        if (r.status >= 400) throw error(r.status, b);
        if (r.keepAlive) idle = r.conn;
        else r.conn.close();
        if (b.length == 0) return null;
        return Json.parse(new String(b, StandardCharsets.UTF_8), method + " " + path);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> object(String method, String path, Object json) throws IOException {
        return (Map<String, Object>) call(method, path, json);
    }

    @SuppressWarnings("unchecked")
    List<Object> list(String path) throws IOException {
        return (List<Object>) call("GET", path, null);
    }

    /** A streaming reply (logs, stats, events, pull, wait): the reply with its body unread; ApiError first. */
    Reply stream(String method, String path, Object json) throws IOException {
        Reply r = send(method, path, json);
        if (r.status >= 400) throw error(r.status, r.body.readAllBytes());
        return r;
    }

    /** A request with a chunked body copied from {@code in} (a build context, a tar for cp). */
    Reply upload(String method, String path, String contentType, InputStream in, String extraHeaders) throws IOException {
        Conn c = take();
        String hs = "Content-Type: " + contentType + "\r\nTransfer-Encoding: chunked\r\n" + (extraHeaders == null ? "" : extraHeaders);
        StringBuilder h = new StringBuilder(method + " " + PREFIX + path + " HTTP/1.1\r\nHost: berth\r\n" + hs + "\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        c.write(head, 0, head.length);
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
            byte[] size = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            c.write(size, 0, size.length);
            c.write(buf, 0, n);
            c.write(CRLF, 0, 2);
        }
        byte[] end = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        c.write(end, 0, end.length);
        Reply r = c.readReply(false);
        if (r.status >= 400) throw error(r.status, r.body.readAllBytes());
        return r;
    }

    /**
     * attach and exec start: a request with the Upgrade headers; on 101 the connection carries raw stdin one
     * way and the output (multiplexed frames, or raw bytes with a TTY) the other.
     */
    Conn hijack(String path, Object json) throws IOException {
        Conn c = connect();
        byte[] body = json == null ? new byte[0] : json(json);
        Reply r = send(c, "POST", path, body, "Connection: Upgrade\r\nUpgrade: tcp\r\n");
        if (r.status >= 400) {
            byte[] b = r.body.readAllBytes();
            c.close();
            throw error(r.status, b);
        }
        if (r.status != 101 && r.status != 200) {
            c.close();
            throw new IOException("the daemon answered " + r.status + " to an attach");
        }
        return c;
    }

    static ApiError error(int status, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).trim();
        try {
            if (Json.parse(text, "error") instanceof Map<?, ?> m && m.get("message") != null) return new ApiError(status, String.valueOf(m.get("message")));
        } catch (RuntimeException notJson) {
            // the raw text, as docker prints it
        }
        return new ApiError(status, text.isEmpty() ? "status " + status : text);
    }

    /**
     * A request body as compact JSON. Json.write would do, but its pattern switch makes the JVM spin a class
     * at the first call (a few ms of every {@code berth run}); this if-chain needs nothing new.
     */
    static byte[] json(Object v) {
        StringBuilder sb = new StringBuilder(512);
        write(sb, v);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) sb.append("null");
        else if (v instanceof String s) quote(sb, s);
        else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) sb.append(v);
        else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                quote(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Iterable<?> l) {
            sb.append('[');
            boolean first = true;
            for (Object o : l) {
                if (!first) sb.append(',');
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else if (v instanceof Number n) {
            sb.append(Json.write(n));
        } else {
            quote(sb, v.toString());
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (c < 0x20) sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
            else sb.append(c);
        }
        sb.append('"');
    }

    /** Percent-encodes a query value. */
    static String q(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') b.append((char) c);
            else b.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
        }
        return b.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final byte[] CRLF = {'\r', '\n'};

    @Override
    public void close() {
        if (idle != null) idle.close();
        idle = null;
    }

    /** A reply's head; {@link #body} reads its body (by Content-Length, chunked, or to EOF). */
    static final class Reply {
        final Conn conn;
        final int status;
        final String contentType;
        final boolean keepAlive;
        final Body body;

        Reply(Conn conn, int status, String contentType, boolean keepAlive, Body body) {
            this.conn = conn;
            this.status = status;
            this.contentType = contentType;
            this.keepAlive = keepAlive;
            this.body = body;
        }

        /** The next line of a JSON-lines stream (pull, stats, events, wait), or null at its end. */
        String line() throws IOException {
            byte[] buf = new byte[256];
            int n = 0;
            for (int b; (b = body.read()) >= 0; ) {
                if (b == '\n') {
                    String s = new String(buf, 0, n, StandardCharsets.UTF_8).trim();
                    if (s.isEmpty()) {
                        n = 0;
                        continue;
                    }
                    return s;
                }
                if (n == buf.length) buf = java.util.Arrays.copyOf(buf, n * 2);
                buf[n++] = (byte) b;
            }
            String s = new String(buf, 0, n, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? null : s;
        }
    }

    /** A connection: a socket channel and a read buffer. */
    static final class Conn {
        private final SocketChannel ch;
        private final ByteBuffer in = ByteBuffer.allocate(1 << 16).flip();

        Conn(SocketChannel ch) {
            this.ch = ch;
        }

        void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(b, off, len);
            while (bb.hasRemaining()) ch.write(bb);
        }

        /** Raw bytes (after a hijack): what is buffered first, then the socket; -1 at EOF. */
        int read(byte[] b, int off, int len) throws IOException {
            if (!in.hasRemaining() && fill() < 0) return -1;
            int n = Math.min(len, in.remaining());
            in.get(b, off, n);
            return n;
        }

        int read() throws IOException {
            if (!in.hasRemaining() && fill() < 0) return -1;
            return in.get() & 0xff;
        }

        private int fill() throws IOException {
            in.clear();
            int n = ch.read(in);
            in.flip();
            return n;
        }

        /** Reads exactly {@code len} bytes; false at a clean EOF before the first. */
        boolean readFully(byte[] b, int len) throws IOException {
            int off = 0;
            while (off < len) {
                int n = read(b, off, len - off);
                if (n < 0) {
                    if (off == 0) return false;
                    throw new IOException("the daemon closed the stream mid-frame");
                }
                off += n;
            }
            return true;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int b; (b = read()) >= 0; ) {
                if (b == '\n') {
                    int l = sb.length();
                    if (l > 0 && sb.charAt(l - 1) == '\r') sb.setLength(l - 1);
                    return sb.toString();
                }
                sb.append((char) b);
            }
            if (sb.isEmpty()) throw new IOException("the daemon closed the connection without a reply");
            return sb.toString();
        }

        Reply readReply(boolean head) throws IOException {
            String status = line();
            if (!status.startsWith("HTTP/1.")) throw new IOException("not an HTTP reply from the daemon: " + status);
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false, keepAlive = status.startsWith("HTTP/1.1");
            String type = "";
            for (String l; !(l = line()).isEmpty(); ) {
                int colon = l.indexOf(':');
                if (colon < 0) continue;
                String k = l.substring(0, colon).trim().toLowerCase(), v = l.substring(colon + 1).trim();
                switch (k) {
                    case "content-length" -> length = Long.parseLong(v);
                    case "transfer-encoding" -> chunked = v.equalsIgnoreCase("chunked");
                    case "content-type" -> type = v;
                    case "connection" -> keepAlive = !v.equalsIgnoreCase("close") && !v.equalsIgnoreCase("upgrade");
                    default -> { }
                }
            }
            int mode;
            if (head || code == 204 || code == 304 || code == 101) mode = Body.EMPTY;
            else if (chunked) mode = Body.CHUNKED;
            else if (length >= 0) mode = Body.LENGTH;
            else {
                mode = Body.TO_EOF;
                keepAlive = false;
            }
            return new Reply(this, code, type, keepAlive && code != 101, new Body(this, mode, length));
        }

        /** Half-closes: the daemon reads EOF on stdin (closing the process's stdin), the output goes on. */
        void shutdownOutput() {
            try {
                ch.shutdownOutput();
            } catch (IOException ignored) {
                // closed already
            }
        }

        void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }

        /** The hijacked stream's stdin side. */
        OutputStream output() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    Conn.this.write(new byte[]{(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    Conn.this.write(b, off, len);
                }
            };
        }
    }

    /** A reply body: by Content-Length, chunked, to EOF, or none. */
    static final class Body extends InputStream {
        static final int EMPTY = 0, LENGTH = 1, CHUNKED = 2, TO_EOF = 3;
        private final Conn c;
        private final int mode;
        private long left;
        private boolean done;

        Body(Conn c, int mode, long length) {
            this.c = c;
            this.mode = mode;
            this.left = mode == LENGTH ? length : 0;
            this.done = mode == EMPTY || mode == LENGTH && length == 0;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            if (len == 0) return 0;
            if (mode == TO_EOF) {
                int n = c.read(b, off, len);
                if (n < 0) done = true;
                return n;
            }
            if (mode == CHUNKED && left == 0) {
                String size = c.line();
                if (size.isEmpty()) size = c.line(); // the CRLF after the previous chunk
                int semi = size.indexOf(';');
                left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (left == 0) {
                    while (!c.line().isEmpty()) { } // trailers
                    done = true;
                    return -1;
                }
            }
            int n = c.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new IOException("the daemon closed the connection mid-reply");
            left -= n;
            if (mode == LENGTH && left == 0) done = true;
            return n;
        }
    }

    /** Splits "a=b" flags into a list of their values, for filters and labels. */
    static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == sep) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        return out;
    }
}
