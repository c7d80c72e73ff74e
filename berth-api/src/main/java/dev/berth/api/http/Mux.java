package dev.berth.api.http;

/**
 * The multiplexed stdout/stderr stream of non-TTY attach, exec and logs: frames of
 * {@code [type:1][0,0,0][length:4, big-endian][payload]}. A TTY gets raw bytes without frames
 * ({@link #RAW_STREAM}); the docker CLI picks the decoder from its own view of {@code Tty}.
 */
public final class Mux {
    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    /** A system error: the client turns the payload into an error. */
    public static final int SYSTEM_ERROR = 3;

    public static final String MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream";
    public static final String RAW_STREAM = "application/vnd.docker.raw-stream";

    private Mux() {
    }

    /** One frame around all of {@code payload}. */
    public static byte[] frame(int type, byte[] payload) {
        return frame(type, payload, 0, payload.length);
    }

    /** One frame around {@code payload[off, off+len)}, header and payload in one array (one write). */
    public static byte[] frame(int type, byte[] payload, int off, int len) {
        if (type < 0 || type > 3) throw new IllegalArgumentException("stream type " + type + " is not 0-3");
        byte[] f = new byte[8 + len];
        f[0] = (byte) type;
        f[4] = (byte) (len >>> 24);
        f[5] = (byte) (len >>> 16);
        f[6] = (byte) (len >>> 8);
        f[7] = (byte) len;
        System.arraycopy(payload, off, f, 8, len);
        return f;
    }
}
