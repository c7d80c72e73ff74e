package dev.berth.image.layer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a tar stream in the POSIX pax format, deterministically: a ustar header per entry, preceded by a PAX
 * extended header only when a field does not fit ustar (long or non-ASCII names, ids over 2097151, sizes over
 * 8 GiB, times before 1970 or with a fraction, access times, xattrs). PAX records are sorted by key; user and
 * group names are left empty, as BuildKit does, so the bytes depend only on the entries. Xattr values are
 * written as raw bytes ({@code SCHILY.xattr.*}), as Go's archive/tar reads them.
 */
public final class TarWriter {
    private static final int BLOCK = 512;
    private static final long MAX_ID = 07777777L, MAX_SIZE = 077777777777L;
    private static final byte[] ZEROS = new byte[BLOCK * 2];

    private final OutputStream out;
    private final byte[] header = new byte[BLOCK];
    private String current;
    private long remaining;
    private long padding;

    /** {@code out} should be buffered; it is never closed here. */
    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Starts an entry; a regular file's {@link TarEntry#size} bytes must then be written with {@link #write}. */
    public void add(TarEntry e) throws IOException {
        closeEntry();
        Map<String, byte[]> pax = new TreeMap<>();
        String name = e.name();
        String prefix = "";
        if (!ascii(name) || name.length() > 100) {
            int split = split(name);
            if (split < 0) {
                pax.put(Pax.PATH, Pax.bytes(name));
                name = truncate(name, 100);
            } else {
                prefix = name.substring(0, split);
                name = name.substring(split + 1);
            }
        }
        String link = e.linkName();
        if (!ascii(link) || link.length() > 100) {
            pax.put(Pax.LINKPATH, Pax.bytes(link));
            link = truncate(link, 100);
        }
        long uid = e.uid(), gid = e.gid(), size = e.size();
        if (uid > MAX_ID) pax.put(Pax.UID, Pax.bytes(Long.toString(uid)));
        if (gid > MAX_ID) pax.put(Pax.GID, Pax.bytes(Long.toString(gid)));
        if (size > MAX_SIZE) pax.put(Pax.SIZE, Pax.bytes(Long.toString(size)));
        long mtime = e.mtime().getEpochSecond();
        if (mtime < 0 || mtime > MAX_SIZE || e.mtime().getNano() != 0) pax.put(Pax.MTIME, Pax.formatTime(e.mtime()));
        if (e.atime() != null) pax.put(Pax.ATIME, Pax.formatTime(e.atime()));
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) pax.put(Pax.XATTR + x.getKey(), x.getValue());
        if (!pax.isEmpty()) {
            byte[] records = Pax.format(pax);
            String base = e.name().replaceAll("/+$", "");
            base = base.substring(base.lastIndexOf('/') + 1).replaceAll("[^\\x20-\\x7e]", "_");
            header(truncate("PaxHeaders.0/" + base, 100), "", 'x', 0644, 0, 0, records.length, clamp(mtime), 0, 0);
            checksum();
            out.write(header);
            out.write(records);
            out.write(ZEROS, 0, (BLOCK - records.length % BLOCK) % BLOCK);
        }
        header(name, prefix, e.type().flag, e.mode(), uid <= MAX_ID ? uid : 0, gid <= MAX_ID ? gid : 0,
                size <= MAX_SIZE ? size : 0, clamp(mtime), e.devMajor(), e.devMinor());
        setString(157, 100, link);
        checksum();
        out.write(header);
        current = e.name();
        remaining = size;
        padding = (BLOCK - size % BLOCK) % BLOCK;
    }

    /** Content of the current regular file. */
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > remaining) throw new IOException("tar entry " + current + ": more content than its declared size");
        out.write(b, off, len);
        remaining -= len;
    }

    /** Ends the archive with two zero blocks; {@code out} is flushed, not closed. */
    public void finish() throws IOException {
        closeEntry();
        out.write(ZEROS);
        out.flush();
    }

    private void closeEntry() throws IOException {
        if (remaining != 0) throw new IOException("tar entry " + current + ": " + remaining + " bytes of content missing");
        out.write(ZEROS, 0, (int) padding);
        padding = 0;
    }

    private void header(String name, String prefix, char flag, int mode, long uid, long gid, long size, long mtime, int major, int minor) {
        java.util.Arrays.fill(header, (byte) 0);
        setString(0, 100, name);
        octal(100, 8, mode);
        octal(108, 8, uid);
        octal(116, 8, gid);
        octal(124, 12, size);
        octal(136, 12, mtime);
        header[156] = (byte) flag;
        setString(257, 6, "ustar\0");
        setString(263, 2, "00");
        octal(329, 8, major);
        octal(337, 8, minor);
        setString(345, 155, prefix);
    }

    private void checksum() {
        java.util.Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) sum += b & 0xff;
        String s = String.format("%06o", sum);
        setString(148, 6, s);
        header[154] = 0;
        header[155] = ' ';
    }

    private void octal(int off, int len, long v) {
        String s = Long.toOctalString(v);
        if (s.length() > len - 1) throw new IllegalArgumentException("tar field overflow: " + v);
        setString(off, len - 1, "0".repeat(len - 1 - s.length()) + s);
        header[off + len - 1] = 0;
    }

    private void setString(int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, header, off, Math.min(len, b.length));
    }

    private static long clamp(long mtime) {
        return Math.max(0, Math.min(MAX_SIZE, mtime));
    }

    /** Where a long ASCII name splits into ustar prefix (≤155) and name (≤100), or -1. */
    private static int split(String name) {
        if (!ascii(name) || name.length() > 256) return -1;
        for (int i = Math.min(name.length() - 2, 155); i > 0; i--) {
            if (name.charAt(i) == '/' && name.length() - i - 1 <= 100 && name.length() - i - 1 > 0) return i;
        }
        return -1;
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80 || s.charAt(i) == 0) return false;
        return true;
    }

    private static String truncate(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c < 0x80 && c != 0 ? c : '_');
        }
        return b.toString();
    }
}
