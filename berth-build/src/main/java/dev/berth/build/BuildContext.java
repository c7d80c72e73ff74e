package dev.berth.build;

import dev.berth.build.dockerfile.Dockerignore;
import dev.berth.oci.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The build context: a directory whose files COPY and ADD may use, minus what .dockerignore excludes. Sources
 * are matched with docker's glob rules and may never leave the context; their content hash is the cache key.
 */
final class BuildContext {
    private final Path root;
    private final Dockerignore ignore;

    BuildContext(Path root) throws IOException {
        this.root = root.toRealPath();
        Path di = this.root.resolve(".dockerignore");
        this.ignore = Files.isRegularFile(di) ? Dockerignore.parse(Files.readString(di)) : Dockerignore.empty();
    }

    Path root() {
        return root;
    }

    /** A source as written in COPY/ADD ("src/*.txt", "."), resolved to the context paths it names. */
    List<Path> match(String source, String instruction) throws IOException {
        String rel = clean(source);
        List<Path> out = new ArrayList<>();
        if (rel.chars().anyMatch(c -> c == '*' || c == '?' || c == '[')) {
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rel);
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.toList()) {
                    String r = root.relativize(p).toString();
                    if (!r.isEmpty() && m.matches(Path.of(r)) && !ignore.excluded(r)) out.add(p);
                }
            }
        } else {
            Path p = rel.isEmpty() ? root : root.resolve(rel);
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && (rel.isEmpty() || !ignore.excluded(rel))) out.add(p);
        }
        if (out.isEmpty()) {
            throw new BuildException(instruction + " failed: file not found in build context or excluded by .dockerignore: stat "
                    + source + ": file does not exist");
        }
        return out;
    }

    /** Context-relative, with ".." refused: a Dockerfile cannot copy from outside its context. */
    private static String clean(String source) {
        List<String> parts = new ArrayList<>();
        for (String p : source.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) {
                if (parts.isEmpty()) throw new BuildException("forbidden path outside the build context: " + source);
                parts.removeLast();
            } else {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    boolean excluded(Path p) {
        String r = root.relativize(p).toString();
        return !r.isEmpty() && ignore.excluded(r);
    }

    /** Everything under the sources (not excluded), in a stable order: relative path, mode, size, content. */
    String hash(List<Path> sources) throws IOException {
        MessageDigest md = Digest.sha256();
        for (Path src : sources) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(src)) {
                files = s.filter(p -> !excluded(p)).sorted().toList();
            }
            for (Path f : files) {
                PosixFileAttributes a = Files.readAttributes(f, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String head = root.relativize(f) + "\0" + Integer.toOctalString(mode(a)) + "\0" + a.size() + "\0";
                md.update(head.getBytes(StandardCharsets.UTF_8));
                if (a.isSymbolicLink()) md.update(Files.readSymbolicLink(f).toString().getBytes(StandardCharsets.UTF_8));
                else if (a.isRegularFile()) {
                    try (InputStream in = Files.newInputStream(f)) {
                        byte[] buf = new byte[1 << 16];
                        for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
                    }
                }
            }
        }
        return Digest.of(md).toString();
    }

    static int mode(PosixFileAttributes a) {
        int m = 0;
        for (var p : a.permissions()) m |= 1 << (8 - p.ordinal());
        return m;
    }
}
