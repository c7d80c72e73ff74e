package dev.berth.api.http;

import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client connection, served on its own virtual thread: requests one after another (keep-alive) until the
 * client closes, asks to close, a reply cannot be followed by another (a hijack, an aborted stream, a body
 * left unread), or the server shuts down.
 */
final class Connection implements Runnable {
    /** What the server reads and drops of a body the handler left unread before giving up on the connection. */
    static final long DRAIN_LIMIT = 256 * 1024;

    private static final int IDLE = 0, BUSY = 1, CLOSED = 2;

    final HttpServer server;
    final Transport channel;
    final ChannelInput in;
    final ChannelOutput out;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private boolean closeAfter;
    private Body body;

    Connection(HttpServer server, Transport channel) {
        this.server = server;
        this.channel = channel;
        this.in = new ChannelInput(channel);
        this.out = new ChannelOutput(channel);
    }

    @Override
    public void run() {
        try {
            while (in.awaitData() && state.compareAndSet(IDLE, BUSY)) {
                closeAfter = false;
                boolean again = exchange();
                if (!again || !state.compareAndSet(BUSY, IDLE) || server.closing()) break;
            }
        } catch (IOException e) {
            // the client left, or the server closed this idle connection
        } finally {
            state.set(CLOSED);
            closeQuietly();
            server.removed(this);
        }
    }

    /** Closes the connection if it is waiting for a request; true if it did (or it was already closed). */
    boolean closeIfIdle() {
        if (state.compareAndSet(IDLE, CLOSED)) {
            closeQuietly();
            return true;
        }
        return state.get() == CLOSED;
    }

    void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    void closeAfterExchange() {
        closeAfter = true;
    }

    boolean closingAfterExchange() {
        return closeAfter || server.closing();
    }

    /** Serves one request; false if the connection must not be reused. */
    private boolean exchange() throws IOException {
        long start = System.nanoTime();
        RequestReader.Head head;
        try {
            head = RequestReader.read(in);
        } catch (ChannelInput.HeadTooLarge e) {
            closeAfter = true;
            new Response(this, false).error(431, "request head larger than " + RequestReader.HEAD_LIMIT + " bytes");
            return false;
        } catch (Body.MalformedRequest e) {
            closeAfter = true;
            new Response(this, false).error(400, "malformed HTTP request: " + e.getMessage());
            return false;
        } catch (EOFException e) {
            return false;
        }
        Request request = head.request();
        body = (Body) request.body();
        closeAfter = head.close();
        if (head.expectContinue()) {
            out.ascii("HTTP/1.1 100 Continue\r\n\r\n");
            out.flush();
        }
        Response response = new Response(this, request.method().equals("HEAD"), request.header("Upgrade") != null);
        dispatch(request, response);
        server.listener().exchange(request, response.status(), System.nanoTime() - start);
        if (closeAfter || out.broken()) return false;
        return body.drain(DRAIN_LIMIT);
    }

    /**
     * Reads what the handler left of the request body, so that a hijacked stream starts with the client's
     * first byte after it; a body too large to skip is a 400, sent before anything else.
     */
    void finishBody() throws IOException {
        if (!body.drain(DRAIN_LIMIT)) {
            throw ApiException.badRequest("request body larger than " + DRAIN_LIMIT + " bytes on a connection upgrade");
        }
    }

    private void dispatch(Request request, Response response) throws IOException {
        try {
            Router.Match m = server.router().match(request.method(), request.path());
            if (m == null) throw ApiException.notFound("page not found");
            if (request.apiVersion() != null) {
                String refusal = server.router().version().refusal(request.apiVersion());
                if (refusal != null) throw ApiException.badRequest(refusal);
            }
            m.handler().handle(m.params().isEmpty() ? request : request.withParams(m.params()), response);
            StreamWriter stream = response.streamWriter();
            if (stream != null) stream.close(); // the handler returned without ending its stream
            else if (!response.committed()) throw new IllegalStateException("the handler sent no reply");
        } catch (Throwable t) {
            fail(request, response, t);
        }
    }

    /** Answers a failed handler, or ends an exchange whose reply had already started. */
    private void fail(Request request, Response response, Throwable t) throws IOException {
        if (t instanceof ClientGoneException || out.broken()) {
            closeAfter = true;
            return;
        }
        int status;
        String message;
        switch (t) {
            case ApiException e -> {
                status = e.status();
                message = ApiException.oneLine(e);
                if (e.getCause() != null) server.listener().failure(request.line(), e);
            }
            case Body.MalformedRequest e -> {
                status = 400;
                message = "malformed request body: " + e.getMessage();
                closeAfter = true;
            }
            default -> {
                status = 500;
                message = ApiException.unexpected(t);
                server.listener().failure(request.line(), t);
            }
        }
        if (response.committed()) {
            // a stream or a hijack already started: the status cannot change; cut the connection instead
            closeAfter = true;
            return;
        }
        out.discard();
        response.error(status, message);
    }

    /** Runs {@code onGone} when the client closes its side before {@code stream} ends. */
    void watchClientGone(StreamWriter stream, Runnable onGone) {
        Thread.ofVirtual().name("berth-http-watch").start(() -> {
            byte[] scratch = new byte[512];
            try {
                while (in.read(scratch, 0, scratch.length) >= 0) {
                    // a client sends nothing while it reads a stream: discard
                }
            } catch (IOException e) {
                // reset by the client, or the connection closed at the end of the stream
            }
            if (!stream.closed()) onGone.run();
        });
    }
}
