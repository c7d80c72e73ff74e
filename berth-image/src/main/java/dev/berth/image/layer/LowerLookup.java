package dev.berth.image.layer;

import dev.berth.image.linux.Sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Finds a file in a stack of overlayfs layer directories the way overlayfs shows it: the topmost layer that
 * has it wins; a whiteout (char device 0:0) hides it and everything below; an opaque directory hides the
 * layers below it. Every parent component must be a real directory (a symlink is refused, not followed).
 */
final class LowerLookup {
    private LowerLookup() {}

    /** The file's path in the layer that provides it, or null when the stack does not show one. */
    static Path find(List<Path> topFirst, List<String> comps, String entry, String what) throws IOException {
        for (Path layer : topFirst) {
            Path cur = layer;
            boolean opaque = false, missing = false;
            for (int i = 0; i < comps.size() - 1 && !missing; i++) {
                cur = cur.resolve(comps.get(i));
                BasicFileAttributes a = SafeTree.lstat(cur);
                if (a == null) {
                    missing = true;
                } else if (a.isSymbolicLink()) {
                    throw new LayerException(entry, what + ": parent \"" + SafeTree.join(comps, i + 1) + "\" is a symlink; refusing to follow it");
                } else if (!a.isDirectory() || isWhiteout(cur, a)) {
                    return null;
                } else if (isOpaque(cur)) {
                    opaque = true;
                }
            }
            if (!missing) {
                Path t = cur.resolve(comps.getLast());
                BasicFileAttributes a = SafeTree.lstat(t);
                if (a != null) {
                    if (isWhiteout(t, a)) return null;
                    if (a.isDirectory()) throw new LayerException(entry, what + " is a directory");
                    return t;
                }
            }
            if (opaque) return null;
        }
        return null;
    }

    /** An overlayfs whiteout: a character device with device number 0:0. */
    static boolean isWhiteout(Path p, BasicFileAttributes a) throws IOException {
        if (!a.isOther()) return false;
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & Sys.S_IFMT) == Sys.S_IFCHR && ((Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS)) == 0L;
    }

    static boolean isOpaque(Path dir) throws IOException {
        byte[] v = Sys.lgetxattr(dir, Whiteouts.OVERLAY_OPAQUE_XATTR);
        return v != null && v.length == 1 && v[0] == 'y';
    }
}
