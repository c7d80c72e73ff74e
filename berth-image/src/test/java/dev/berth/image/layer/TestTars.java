package dev.berth.image.layer;

import dev.berth.image.linux.Sys;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds tar streams with Commons Compress, which writes whatever names and links it is given: hostile layers
 * included. Also a few filesystem helpers for the layer tests.
 */
final class TestTars {
    static final Instant T2001 = Instant.parse("2001-09-09T01:46:40Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream out;

    TestTars() {
        this(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    TestTars(int longFileMode) {
        out = new TarArchiveOutputStream(bytes);
        out.setLongFileMode(longFileMode);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        out.setAddPaxHeadersForNonAsciiNames(true);
    }

    static TarArchiveEntry entry(String name, byte flag) {
        TarArchiveEntry e = new TarArchiveEntry(name, flag, true);
        e.setModTime(FileTime.from(T2001));
        return e;
    }

    TestTars add(TarArchiveEntry e, byte[] data) {
        try {
            e.setSize(data.length);
            out.putArchiveEntry(e);
            out.write(data);
            out.closeArchiveEntry();
            return this;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    TestTars add(TarArchiveEntry e) {
        try {
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    TestTars dir(String name) {
        TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
        e.setMode(040755);
        return add(e);
    }

    TestTars file(String name, String content) {
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
        e.setMode(0100644);
        return add(e, content.getBytes(StandardCharsets.UTF_8));
    }

    TestTars symlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        e.setMode(0120777);
        return add(e);
    }

    TestTars hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_LINK);
        e.setLinkName(target);
        return add(e);
    }

    TestTars pax(String name, String key, String value) {
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
        e.addPaxHeader(key, value);
        return add(e, new byte[0]);
    }

    byte[] build() {
        try {
            out.finish();
            out.close();
            return bytes.toByteArray();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    ByteArrayInputStream stream() {
        return new ByteArrayInputStream(build());
    }

    /** Every path under {@code base} except below {@code skip}: type, size, mtime, content. */
    static Map<String, String> snapshot(Path base, Path skip) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(base, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                if (d.equals(skip)) return FileVisitResult.SKIP_SUBTREE;
                out.put(base.relativize(d) + "/", "dir " + a.lastModifiedTime());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                String what = a.isSymbolicLink() ? "link " + Files.readSymbolicLink(f)
                        : a.isRegularFile() ? "file " + a.size() + " " + a.lastModifiedTime() + " " + Files.readString(f, StandardCharsets.ISO_8859_1)
                        : "other " + Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                out.put(base.relativize(f).toString(), what);
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    static void assumeRoot() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Sys.isRoot(), "needs root (devices, ownership, trusted.* xattrs)");
    }
}
