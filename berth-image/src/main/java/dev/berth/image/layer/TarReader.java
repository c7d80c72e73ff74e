package dev.berth.image.layer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a tar stream entry by entry, streaming: ustar, PAX ({@code x}; global {@code g} headers are read and
 * ignored, as Docker does), GNU long names ({@code L}, {@code K}) and base-256 numbers, V7. Hostile input is
 * bounded before anything is allocated for it ({@link Limits}): PAX and long-name records, name lengths, the
 * entry count and the stream's total size. Sparse files, multi-volume archives and unknown entry types are
 * refused. Reads exactly what it is given and never closes it.
 */
public final class TarReader {
    private static final int BLOCK = 512;

    private final InputStream in;
    private final Limits limits;
    private final byte[] block = new byte[BLOCK];
    private final byte[] scratch = new byte[1 << 16];
    private long offset;
    private long remaining;
    private long padding;
    private long entries;
    private boolean end;

    public TarReader(InputStream in, Limits limits) {
        this.in = in;
        this.limits = limits;
    }

    /** Bytes consumed so far. */
    public long offset() {
        return offset;
    }

    /**
     * The next entry, or null at the end of the archive. Content the caller did not read from the previous entry
     * is skipped.
     */
    public TarEntry next() throws IOException {
        skip(remaining + padding);
        remaining = padding = 0;
        if (end) return null;
        Map<String, byte[]> pax = new HashMap<>();
        String gnuName = null, gnuLink = null;
        while (true) {
            long at = offset;
            if (!readBlock(true)) {
                end = true;
                if (!pax.isEmpty() || gnuName != null || gnuLink != null) throw truncated();
                return null;
            }
            if (zero(block)) {
                // End of archive: two zero blocks (one followed by the end of the stream is accepted too).
                if (readBlock(true) && !zero(block)) throw header(at, "a zero block followed by a non-zero block");
                end = true;
                return null;
            }
            checksum(at);
            char flag = (char) (block[156] & 0xff);
            long size = number(at, 124, 12, "size");
            switch (flag) {
                case 'x' -> {
                    byte[] data = record(at, size, limits.maxHeaderBytes(), "PAX extended header");
                    try {
                        pax.putAll(Pax.parse(data, data.length));
                    } catch (Pax.Malformed e) {
                        throw header(at, e.getMessage());
                    }
                }
                case 'g' -> {
                    byte[] data = record(at, size, limits.maxHeaderBytes(), "PAX global header");
                    try {
                        Pax.parse(data, data.length);
                    } catch (Pax.Malformed e) {
                        throw header(at, e.getMessage());
                    }
                }
                case 'L' -> gnuName = cstring(record(at, size, limits.maxNameBytes() + 1, "GNU long name"));
                case 'K' -> gnuLink = cstring(record(at, size, limits.maxNameBytes() + 1, "GNU long link name"));
                default -> {
                    return entry(at, flag, size, pax, gnuName, gnuLink);
                }
            }
        }
    }

    private TarEntry entry(long at, char flag, long headerSize, Map<String, byte[]> pax, String gnuName, String gnuLink) throws IOException {
        if (++entries > limits.maxEntries()) throw new LayerException("layer: more than " + limits.maxEntries() + " entries");
        boolean ustar = match(257, "ustar\0"), gnu = match(257, "ustar ");
        String name = field(0, 100);
        if (ustar && block[345] != 0) name = field(345, 155) + "/" + name;
        if (gnuName != null) name = gnuName;
        String link = gnuLink != null ? gnuLink : field(157, 100);
        long size = headerSize;
        long uid = number(at, 108, 8, "uid"), gid = number(at, 116, 8, "gid");
        Instant mtime = Instant.ofEpochSecond(number(at, 136, 12, "mtime")), atime = null;
        int mode = (int) (number(at, 100, 8, "mode") & 07777);
        int major = 0, minor = 0;
        Map<String, byte[]> xattrs = new TreeMap<>();
        try {
            for (Map.Entry<String, byte[]> r : pax.entrySet()) {
                String k = r.getKey();
                byte[] v = r.getValue();
                switch (k) {
                    case Pax.PATH -> name = Pax.string(v);
                    case Pax.LINKPATH -> link = Pax.string(v);
                    case Pax.SIZE -> size = Pax.number(k, v);
                    case Pax.UID -> uid = Pax.number(k, v);
                    case Pax.GID -> gid = Pax.number(k, v);
                    case Pax.MTIME -> mtime = Pax.time(k, v);
                    case Pax.ATIME -> atime = Pax.time(k, v);
                    default -> {
                        if (k.startsWith(Pax.XATTR)) {
                            xattrs.put(k.substring(Pax.XATTR.length()), v);
                        } else if (k.startsWith(Pax.LIBARCHIVE_XATTR)) {
                            String n = java.net.URLDecoder.decode(k.substring(Pax.LIBARCHIVE_XATTR.length()), StandardCharsets.UTF_8);
                            xattrs.putIfAbsent(n, Base64.getDecoder().decode(Pax.string(v).trim()));
                        } else if (k.startsWith(Pax.GNU_SPARSE)) {
                            throw new LayerException(name, "sparse files are not supported");
                        }
                    }
                }
            }
        } catch (Pax.Malformed | IllegalArgumentException e) {
            throw new LayerException(name, e.getMessage());
        }
        if (ustar || gnu) {
            major = (int) number(at, 329, 8, "devmajor");
            minor = (int) number(at, 337, 8, "devminor");
        }
        checkName(name, "name");
        checkName(link, "link name");
        TarEntry.Type type = switch (flag) {
            case '0', '\0', '7' -> name.endsWith("/") ? TarEntry.Type.DIR : TarEntry.Type.FILE;
            case '1' -> TarEntry.Type.HARDLINK;
            case '2' -> TarEntry.Type.SYMLINK;
            case '3' -> TarEntry.Type.CHAR;
            case '4' -> TarEntry.Type.BLOCK;
            case '5' -> TarEntry.Type.DIR;
            case '6' -> TarEntry.Type.FIFO;
            case 'S' -> throw new LayerException(name, "sparse files are not supported");
            default -> throw new LayerException(name, "unsupported tar entry type '" + printable(flag) + "'");
        };
        // As Go's archive/tar (what Docker reads layers with): only regular files have content.
        long content = type == TarEntry.Type.FILE ? size : 0;
        if (content > limits.maxBytes()) throw new LayerException(name, "size " + content + " exceeds the layer limit of " + limits.maxBytes() + " bytes");
        remaining = content;
        padding = (BLOCK - content % BLOCK) % BLOCK;
        return new TarEntry(name, type, mode, uid, gid, content, mtime, atime, link, major, minor, xattrs);
    }

    private void checkName(String n, String what) throws LayerException {
        if (n.length() > limits.maxNameBytes() || n.getBytes(StandardCharsets.UTF_8).length > limits.maxNameBytes()) {
            throw new LayerException(n, what + " longer than " + limits.maxNameBytes() + " bytes");
        }
        if (n.indexOf('\0') >= 0) throw new LayerException(n, what + " contains a NUL byte");
    }

    /** Reads the current entry's content; -1 at its end. */
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) return -1;
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) throw truncated();
        remaining -= n;
        count(n);
        return n;
    }

    /** The current entry's content as a stream (not to be closed before the next {@link #next}). */
    public InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return TarReader.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return TarReader.this.read(b, off, len);
            }
        };
    }

    /** Reads whatever follows the end of the archive (padding to the record size), so a digest covers it all. */
    public void drain() throws IOException {
        if (!end) throw new IllegalStateException("tar stream not at its end");
        for (int n; (n = in.read(scratch)) >= 0; ) count(n);
    }

    private byte[] record(long at, long size, int max, String what) throws IOException {
        if (size > max) throw header(at, what + " of " + size + " bytes exceeds the " + max + "-byte limit");
        byte[] data = new byte[(int) size];
        readFully(data, data.length);
        skip((BLOCK - size % BLOCK) % BLOCK);
        return data;
    }

    private boolean readBlock(boolean eofOk) throws IOException {
        int got = 0;
        while (got < BLOCK) {
            int n = in.read(block, got, BLOCK - got);
            if (n < 0) {
                if (got == 0 && eofOk) return false;
                throw truncated();
            }
            got += n;
        }
        count(BLOCK);
        return true;
    }

    private void readFully(byte[] b, int len) throws IOException {
        for (int got = 0; got < len; ) {
            int n = in.read(b, got, len - got);
            if (n < 0) throw truncated();
            got += n;
            count(n);
        }
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, n));
            if (r < 0) throw truncated();
            n -= r;
            count(r);
        }
    }

    private void count(long n) throws LayerException {
        offset += n;
        if (offset > limits.maxBytes()) throw new LayerException("layer: tar stream larger than the " + limits.maxBytes() + "-byte limit");
    }

    private void checksum(long at) throws LayerException {
        long stored;
        try {
            stored = number(at, 148, 8, "checksum");
        } catch (LayerException e) {
            stored = -1;
        }
        long unsigned = 0, signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : block[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) throw header(at, "checksum mismatch (not a tar stream, or a corrupt one)");
    }

    /** An octal field (NUL/space padded) or a GNU base-256 one (high bit set). */
    private long number(long at, int off, int len, String what) throws LayerException {
        if ((block[off] & 0x80) != 0) {
            int inv = (block[off] & 0x40) != 0 ? 0xff : 0;
            long x = 0;
            for (int i = 0; i < len; i++) {
                int c = (block[off + i] & 0xff) ^ inv;
                if (i == 0) c &= 0x7f;
                if ((x >>> 55) != 0) throw header(at, what + " field overflows");
                x = (x << 8) | c;
            }
            if (inv != 0) {
                if (what.equals("mtime")) return ~x;
                throw header(at, what + " field is negative");
            }
            return x;
        }
        int s = off, e = off + len;
        while (s < e && (block[s] == ' ' || block[s] == 0)) s++;
        while (e > s && (block[e - 1] == ' ' || block[e - 1] == 0)) e--;
        long v = 0;
        for (int i = s; i < e; i++) {
            int c = block[i];
            if (c < '0' || c > '7') throw header(at, what + " field is not an octal number");
            v = (v << 3) | (c - '0');
        }
        return v;
    }

    private String field(int off, int len) {
        int n = 0;
        while (n < len && block[off + n] != 0) n++;
        return new String(block, off, n, StandardCharsets.UTF_8);
    }

    private static String cstring(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private boolean match(int off, String s) {
        for (int i = 0; i < s.length(); i++) if (block[off + i] != s.charAt(i)) return false;
        return true;
    }

    private static boolean zero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
    }

    private LayerException header(long at, String reason) {
        return new LayerException("layer: tar header at byte " + at + ": " + reason);
    }

    private LayerException truncated() {
        return new LayerException("layer: tar stream truncated at byte " + offset);
    }
}
