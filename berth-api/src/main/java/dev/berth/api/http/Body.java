package dev.berth.api.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body read off the connection: a fixed {@code Content-Length}, or a chunked transfer coding (the
 * docker CLI sends the build context chunked). Closing it does not close the connection; the server reads
 * what the handler left before the next request, or closes the connection if too much is left.
 */
abstract sealed class Body extends InputStream permits Body.Fixed, Body.Chunked {
    final ChannelInput in;

    Body(ChannelInput in) {
        this.in = in;
    }

    /** True once the whole body has been read. */
    abstract boolean finished();

    private final byte[] one = new byte[1];

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    /** Reads and drops up to {@code max} bytes of what is left; true if the body is then finished. */
    boolean drain(long max) throws IOException {
        if (finished()) return true;
        byte[] scratch = new byte[8192];
        long left = max;
        while (!finished() && left > 0) {
            int n = read(scratch, 0, (int) Math.min(scratch.length, left));
            if (n < 0) break;
            left -= n;
        }
        return finished();
    }

    static Body empty(ChannelInput in) {
        return new Fixed(in, 0);
    }

    /** {@code Content-Length} bytes. */
    static final class Fixed extends Body {
        private long remaining;

        Fixed(ChannelInput in, long length) {
            super(in);
            this.remaining = length;
        }

        @Override
        boolean finished() {
            return remaining == 0;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) return -1;
            if (len == 0) return 0;
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) throw new ClientGoneException("the client closed the connection " + remaining + " bytes short of the body's Content-Length", null);
            remaining -= n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(remaining, in.available());
        }
    }

    /** {@code Transfer-Encoding: chunked}: size lines in hex, data, CRLF; a 0 chunk and trailers end it. */
    static final class Chunked extends Body {
        private static final int LINE_LIMIT = 4096;
        private long chunkLeft;
        private boolean done;

        Chunked(ChannelInput in) {
            super(in);
        }

        @Override
        boolean finished() {
            return done;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) return -1;
            if (len == 0) return 0;
            if (chunkLeft == 0) {
                chunkLeft = nextChunkSize();
                if (chunkLeft == 0) {
                    trailers();
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) throw new ClientGoneException("the client closed the connection inside a body chunk", null);
            chunkLeft -= n;
            if (chunkLeft == 0) endOfChunk();
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(chunkLeft, in.available());
        }

        private long nextChunkSize() throws IOException {
            String line;
            try {
                line = in.readLine(new int[] {LINE_LIMIT});
            } catch (ChannelInput.HeadTooLarge e) {
                throw new MalformedRequest("chunk size line longer than " + LINE_LIMIT + " bytes");
            } catch (EOFException e) {
                throw new ClientGoneException("the client closed the connection before the end of a chunked body", e);
            }
            int semi = line.indexOf(';');
            String hex = (semi >= 0 ? line.substring(0, semi) : line).strip();
            if (hex.isEmpty() || hex.length() > 15) throw new MalformedRequest("bad chunk size line \"" + clip(line) + "\"");
            long size = 0;
            for (int i = 0; i < hex.length(); i++) {
                int d = Character.digit(hex.charAt(i), 16);
                if (d < 0) throw new MalformedRequest("bad chunk size line \"" + clip(line) + "\"");
                size = size * 16 + d;
            }
            return size;
        }

        private void endOfChunk() throws IOException {
            int cr = in.read();
            int lf = cr == '\r' ? in.read() : cr;
            if (lf < 0) throw new ClientGoneException("the client closed the connection after a body chunk", null);
            if (lf != '\n') throw new MalformedRequest("chunk data not followed by CRLF");
        }

        private void trailers() throws IOException {
            int[] budget = {64 * 1024};
            try {
                while (!in.readLine(budget).isEmpty()) {
                    // trailer fields are read and ignored
                }
            } catch (ChannelInput.HeadTooLarge e) {
                throw new MalformedRequest("chunked body trailers longer than 64 KiB");
            } catch (EOFException e) {
                throw new ClientGoneException("the client closed the connection in the trailers of a chunked body", e);
            }
        }

        private static String clip(String s) {
            return s.length() > 40 ? s.substring(0, 40) + "..." : s;
        }
    }

    /** A request that does not parse as HTTP/1.1: answered with 400 and the connection closed. */
    static final class MalformedRequest extends IOException {
        MalformedRequest(String message) {
            super(message);
        }
    }
}
