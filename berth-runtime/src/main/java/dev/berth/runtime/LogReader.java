package dev.berth.runtime;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads a container's json-file log as its monitor writes it ({@link dev.berth.runtime.plan.Io}): the rotated files
 * oldest first ({@code PATH.N ... PATH.1, PATH}), then, for {@code docker logs -f}, what is written next: the file
 * is polled, and a rotation (PATH renamed away) or a truncation is noticed and followed.
 *
 * <p>As docker does, {@code tail} takes the last N entries of the log, then {@code since} (inclusive) and
 * {@code until} filter them by their time; an entry after {@code until} ends the reading.
 */
public final class LogReader implements AutoCloseable {
    /** One entry: "stdout" or "stderr", when the monitor read it, and the bytes (a line, or part of a long one). */
    public record Entry(String stream, Instant time, byte[] log) {
        public String text() {
            return new String(log, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && stream.equals(e.stream) && time.equals(e.time) && Arrays.equals(log, e.log);
        }

        @Override
        public int hashCode() {
            return Objects.hash(stream, time, Arrays.hashCode(log));
        }

        @Override
        public String toString() {
            return stream + " " + time + " " + text();
        }
    }

    private static final long POLL_MS = 25;
    private final Path path;
    private final Instant since, until;
    private final ArrayDeque<byte[]> tailed = new ArrayDeque<>();
    private FileChannel ch;
    private Object key; // the identity of the file ch reads (rotation renames it away from path)
    private long pos;
    private byte[] buf = new byte[65536];
    private int start, end; // buf[start, end): read but not yet returned
    private boolean done;

    private LogReader(Path path, Instant since, Instant until) {
        this.path = path;
        this.since = since;
        this.until = until;
    }

    /**
     * Opens a log. tail: the last N entries only (negative: all of them; 0: none, only what comes next); since,
     * until: bounds on the entries' time, or null.
     */
    public static LogReader open(Path log, int tail, Instant since, Instant until) throws IOException {
        LogReader r = new LogReader(log, since, until);
        if (tail >= 0) {
            for (byte[] line; (line = r.line()) != null; ) {
                r.tailed.add(line);
                if (r.tailed.size() > tail) r.tailed.poll();
            }
        }
        return r;
    }

    /** Every entry there is now (what {@code docker logs} without -f shows). */
    public static List<Entry> read(Path log, int tail, Instant since, Instant until) throws IOException {
        try (LogReader r = open(log, tail, since, until)) {
            List<Entry> out = new ArrayList<>();
            for (Entry e; (e = r.next(0)) != null; ) out.add(e);
            return out;
        }
    }

    /**
     * The next entry, waiting up to timeoutMillis for one to be written (0: only what is there now; negative: for
     * ever); null if none came in time, or once an entry after {@code until} was seen ({@link #done()}).
     */
    public Entry next(long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + Math.max(0, timeoutMillis) * 1_000_000;
        while (!done) {
            byte[] line = tailed.isEmpty() ? line() : tailed.poll();
            if (line == null) {
                if (timeoutMillis >= 0 && System.nanoTime() >= deadline) return null;
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while following " + path, e);
                }
                continue;
            }
            Entry e = parse(line);
            if (e == null || since != null && e.time().isBefore(since)) continue;
            if (until != null && e.time().isAfter(until)) {
                done = true;
                return null;
            }
            return e;
        }
        return null;
    }

    /** Whether an entry after {@code until} ended the reading. */
    public boolean done() {
        return done;
    }

    private Entry parse(byte[] line) {
        try {
            JsonObject o = Json.parseObject(new String(line, StandardCharsets.UTF_8), path.toString());
            String log = o.string("log"), stream = o.string("stream"), time = o.string("time");
            if (log == null || stream == null || time == null) return null;
            return new Entry(stream, Instant.parse(time), log.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException malformed) {
            return null; // a line cut short (the disk filled up): docker skips it too
        }
    }

    /** The next complete line (without its newline), or null when there is none yet. */
    private byte[] line() throws IOException {
        while (true) {
            for (int i = start; i < end; i++) {
                if (buf[i] == '\n') {
                    byte[] line = Arrays.copyOfRange(buf, start, i);
                    start = i + 1;
                    return line;
                }
            }
            if (ch == null && !open(first())) return null;
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
            int n = ch.read(ByteBuffer.wrap(buf, end, buf.length - end), pos);
            if (n > 0) {
                pos += n;
                end += n;
                continue;
            }
            if (!moveOn()) return null;
        }
    }

    /** The log files, oldest first. */
    private List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (int i = 1; Files.exists(rotated(i)); i++) out.addFirst(rotated(i));
        out.add(path);
        return out;
    }

    private Path rotated(int i) {
        return path.resolveSibling(path.getFileName() + "." + i);
    }

    private Path first() {
        return files().getFirst();
    }

    private boolean open(Path p) throws IOException {
        try {
            FileChannel c = FileChannel.open(p, StandardOpenOption.READ);
            if (ch != null) ch.close();
            ch = c;
            key = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
            pos = 0;
            start = end = 0;
            return true;
        } catch (NoSuchFileException e) {
            return false; // not written yet, or renamed meanwhile: try again later
        }
    }

    /** At the end of the file being read: on to the next newer file if there is one, back to 0 if it was truncated. */
    private boolean moveOn() throws IOException {
        List<Path> files = files();
        int at = -1;
        for (int i = 0; i < files.size(); i++) {
            if (Objects.equals(keyOf(files.get(i)), key)) at = i;
        }
        if (at == files.size() - 1) {
            if (ch.size() >= pos) return false; // the newest: wait for more
            pos = 0; // truncated (a log kept in one file)
            start = end = 0;
            return true;
        }
        // rotated away: the file after ours is the next; if ours is gone, every file left is newer than it
        return open(files.get(at + 1));
    }

    private static Object keyOf(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        if (ch != null) ch.close();
    }
}
