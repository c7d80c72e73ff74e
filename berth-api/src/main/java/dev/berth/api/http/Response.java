package dev.berth.api.http;

import dev.berth.oci.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The reply to one request. A handler answers exactly once: a whole reply ({@link #json}, {@link #empty},
 * {@link #text}, {@link #bytes}, {@link #error}), a chunked {@link #stream}, or a {@link #hijack}. Every reply
 * carries {@code Api-Version}, {@code Server}, {@code Docker-Experimental} and {@code Ostype}; whole replies
 * carry a {@code Content-Length} and are flushed at once. To a {@code HEAD} request only the head is sent.
 */
public final class Response {
    /** Exactly what the docker CLI needs to read an error body as an error ({@code Error response from daemon}). */
    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";

    private static final byte[] CRLF = {'\r', '\n'};

    private final Connection conn;
    private final boolean head;
    /** Whether the request asked for {@code Upgrade: tcp}; a hijack without it answers 200, as docker does. */
    private final boolean upgrade;
    private final List<String> extra = new ArrayList<>(4);
    private int status = -1;
    private StreamWriter stream;
    private Hijacked hijacked;

    Response(Connection conn, boolean head) {
        this(conn, head, true);
    }

    Response(Connection conn, boolean head, boolean upgrade) {
        this.conn = conn;
        this.head = head;
        this.upgrade = upgrade;
    }

    /** Adds a header to the reply not yet sent, e.g. {@code Builder-Version: 1} on {@code /_ping}. */
    public Response header(String name, String value) {
        if (status >= 0) throw new IllegalStateException("header " + name + " added after the reply was sent");
        if (name.indexOf('\n') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("header " + name + " contains a line break");
        }
        extra.add(name);
        extra.add(value);
        return this;
    }

    /** A JSON document ({@link dev.berth.oci.json.Json} values: maps, lists, strings, numbers, booleans). */
    public void json(int status, Object body) throws IOException {
        bytes(status, JSON, Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    /** A reply without a body: 204 and 304 send no {@code Content-Length}, other statuses {@code 0}. */
    public void empty(int status) throws IOException {
        begin(status);
        writeHead(status, null, status == 204 || status == 304 || status < 200 ? -1 : 0);
        conn.out.flush();
    }

    /** Plain text as {@code text/plain; charset=utf-8}. */
    public void text(int status, String body) throws IOException {
        bytes(status, TEXT, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Any body of a known type. */
    public void bytes(int status, String contentType, byte[] body) throws IOException {
        begin(status);
        writeHead(status, contentType, body.length);
        if (!head) conn.out.write(body);
        conn.out.flush();
    }

    /** {@code {"message": ...}} as {@code application/json}; a 304 goes without a body. */
    public void error(int status, String message) throws IOException {
        if (status == 304) {
            empty(304);
            return;
        }
        json(status, Map.of("message", message == null ? "" : message));
    }

    /**
     * Starts a chunked reply and sends its head at once (a wait call's client blocks until it has the
     * headers). Write messages with the returned writer; the exchange ends when the handler closes it or
     * returns.
     */
    public StreamWriter stream(int status, String contentType) throws IOException {
        return startStream(status, contentType, null);
    }

    /**
     * A chunked reply that also watches for the client leaving: {@code onClientGone} runs (on its own virtual
     * thread) if the client closes the connection before the stream ends, so a handler waiting for events can
     * stop. The body must have been read (what is left is discarded). The connection is not reused after such a
     * stream ({@code Connection: close}).
     */
    public StreamWriter stream(int status, String contentType, Runnable onClientGone) throws IOException {
        return startStream(status, contentType, onClientGone);
    }

    private StreamWriter startStream(int status, String contentType, Runnable onClientGone) throws IOException {
        begin(status);
        if (onClientGone != null) conn.closeAfterExchange();
        writeHead(status, contentType, -2);
        conn.out.flush();
        stream = new StreamWriter(conn.out, head);
        if (onClientGone != null && !head) conn.watchClientGone(stream, onClientGone);
        return stream;
    }

    /**
     * Takes the connection over for a raw stream ({@code attach}, {@code exec start}): sends
     * {@code 101 UPGRADED} with {@code Connection: Upgrade} and {@code Upgrade: tcp} (a plain {@code 200} when the
     * request did not ask for the upgrade), flushed before anything else. Validate first: errors must go as ordinary replies. What the handler did not read of the request
     * body is skipped, so {@link Hijacked#input} starts with the client's stream. The connection is closed when
     * the handler returns, so the handler serves the stream to its end.
     */
    public Hijacked hijack(String contentType) throws IOException {
        notSent();
        conn.finishBody();
        begin(upgrade ? 101 : 200);
        conn.closeAfterExchange();
        var out = conn.out;
        // a client that did not ask for the upgrade (docker-java, so Testcontainers) gets the stream as a 200
        // body that ends when the connection closes, as from docker
        out.ascii(upgrade ? "HTTP/1.1 101 UPGRADED\r\nContent-Type: " : "HTTP/1.1 200 OK\r\nContent-Type: ");
        out.ascii(contentType);
        out.ascii(upgrade ? "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n" : "\r\nConnection: close\r\n");
        out.write(conn.server.commonHeaders());
        out.write(CRLF);
        out.flush();
        hijacked = new Hijacked(conn.channel, conn.in, out);
        return hijacked;
    }

    /** The status sent, or -1 before the reply started. */
    public int status() {
        return status;
    }

    public boolean committed() {
        return status >= 0;
    }

    StreamWriter streamWriter() {
        return stream;
    }

    Hijacked hijacked() {
        return hijacked;
    }

    private void notSent() {
        if (status >= 0) throw new IllegalStateException("a reply (" + status + ") was already sent for this request");
    }

    private void begin(int status) {
        notSent();
        if (status < 100 || status > 599) throw new IllegalArgumentException("not an HTTP status: " + status);
        this.status = status;
    }

    /** {@code length}: -1 none, -2 chunked. */
    private void writeHead(int status, String contentType, long length) throws IOException {
        var out = conn.out;
        out.ascii("HTTP/1.1 ");
        out.ascii(Integer.toString(status));
        out.write(' ');
        out.ascii(reason(status));
        out.write(CRLF);
        out.write(conn.server.commonHeaders());
        if (contentType != null) {
            out.ascii("Content-Type: ");
            out.ascii(contentType);
            out.write(CRLF);
        }
        if (length >= 0) {
            out.ascii("Content-Length: ");
            out.ascii(Long.toString(length));
            out.write(CRLF);
        } else if (length == -2) {
            out.ascii("Transfer-Encoding: chunked\r\n");
        }
        if (conn.closingAfterExchange()) out.ascii("Connection: close\r\n");
        for (int i = 0; i < extra.size(); i += 2) {
            out.ascii(extra.get(i));
            out.ascii(": ");
            out.write(extra.get(i + 1).getBytes(StandardCharsets.UTF_8));
            out.write(CRLF);
        }
        out.write(CRLF);
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 101 -> "Switching Protocols";
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status " + status;
        };
    }
}
