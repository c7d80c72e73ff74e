package dev.berth.image.layer;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One entry of a tar stream as layers use it: the POSIX ustar fields plus what PAX records carry (long names,
 * large numbers, sub-second times, {@code SCHILY.xattr.*} extended attributes with their raw byte values).
 *
 * @param name     the name as stored (directories may end with '/')
 * @param mode     permission bits including set-id and sticky (07777)
 * @param size     bytes of content (regular files only; 0 for the others)
 * @param atime    access time when the stream carries one, else null
 * @param linkName symlink target, or hard link target name; "" for other types
 * @param xattrs   extended attributes by name, sorted (values are raw bytes)
 */
public record TarEntry(String name, Type type, int mode, long uid, long gid, long size, Instant mtime, Instant atime,
                       String linkName, int devMajor, int devMinor, Map<String, byte[]> xattrs) {
    public enum Type {
        FILE('0'), HARDLINK('1'), SYMLINK('2'), CHAR('3'), BLOCK('4'), DIR('5'), FIFO('6');

        final char flag;

        Type(char flag) {
            this.flag = flag;
        }
    }

    public TarEntry {
        if (type != Type.FILE && size != 0) throw new IllegalArgumentException("tar entry " + name + ": only regular files have content");
        if (size < 0 || uid < 0 || gid < 0) throw new IllegalArgumentException("tar entry " + name + ": negative size or id");
        linkName = linkName == null ? "" : linkName;
        xattrs = xattrs == null || xattrs.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(xattrs));
        mode &= 07777;
    }

    public static TarEntry file(String name, int mode, long size, Instant mtime) {
        return new TarEntry(name, Type.FILE, mode, 0, 0, size, mtime, null, "", 0, 0, Map.of());
    }

    public static TarEntry dir(String name, int mode, Instant mtime) {
        return new TarEntry(name, Type.DIR, mode, 0, 0, 0, mtime, null, "", 0, 0, Map.of());
    }

    public TarEntry withOwner(long uid, long gid) {
        return new TarEntry(name, type, mode, uid, gid, size, mtime, atime, linkName, devMajor, devMinor, xattrs);
    }

    public TarEntry withName(String n) {
        return new TarEntry(n, type, mode, uid, gid, size, mtime, atime, linkName, devMajor, devMinor, xattrs);
    }

    public TarEntry withXattrs(Map<String, byte[]> x) {
        return new TarEntry(name, type, mode, uid, gid, size, mtime, atime, linkName, devMajor, devMinor, x);
    }

    public boolean isDir() {
        return type == Type.DIR;
    }
}
