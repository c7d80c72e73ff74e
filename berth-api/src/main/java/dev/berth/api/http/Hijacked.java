package dev.berth.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A connection taken over after {@code 101 UPGRADED}: {@link #input} is the client's raw stdin, never framed;
 * {@link #output} goes to the client, multiplexed ({@link Mux}) or raw for a TTY. When the input ends (read
 * returns -1) the client only half-closed its side, as the docker CLI does as soon as its stdin ends: that is
 * not a detach, so keep writing until the process exits, then {@link #close}.
 */
public final class Hijacked implements AutoCloseable {
    private final Transport channel;
    private final InputStream input;
    private final OutputStream output;

    Hijacked(Transport channel, ChannelInput in, ChannelOutput out) {
        this.channel = channel;
        this.input = new InputStream() {
            @Override
            public int read() throws IOException {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return in.read(b, off, len);
            }

            @Override
            public int available() {
                return in.available();
            }
        };
        this.output = new OutputStream() {
            @Override
            public synchronized void write(int b) throws IOException {
                out.write(b);
                out.flush();
            }

            /** One call, one write to the socket: frames from two threads never interleave. */
            @Override
            public synchronized void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                out.flush();
            }
        };
    }

    /** Client to server: bytes the client sent after the request (including any read along with it). */
    public InputStream input() {
        return input;
    }

    /** Server to client, unbuffered: every write is sent at once. */
    public OutputStream output() {
        return output;
    }

    /** Half-closes towards the client: it sees the end of the stream while it can still send. */
    public void closeOutput() throws IOException {
        synchronized (output) {
            channel.shutdownOutput();
        }
    }

    /** Closes the connection both ways. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
