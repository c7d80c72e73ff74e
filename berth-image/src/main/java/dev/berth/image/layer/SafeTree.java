package dev.berth.image.layer;

import dev.berth.image.linux.Sys;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Paths inside one root directory, resolved one component at a time without following symlinks: a name is
 * cleaned lexically (escapes refused), and every parent component must be a real directory, never a symlink,
 * so nothing a layer planted (or found below it) can redirect a write outside the root. Directories already
 * checked are remembered until something is removed.
 */
final class SafeTree {
    final Path root;
    private final Set<String> verified = new HashSet<>();

    SafeTree(Path root) {
        this.root = root;
    }

    /**
     * A tar name as components below the root: leading "/" and "./" are dropped (as Docker does), "." and empty
     * components skipped, ".." pops the previous component; popping past the root is refused. Empty: the root.
     */
    static List<String> clean(String entry, String name, String what) throws LayerException {
        List<String> out = new ArrayList<>();
        int i = 0, n = name.length();
        while (i <= n) {
            int j = name.indexOf('/', i);
            if (j < 0) j = n;
            String c = name.substring(i, j);
            if (c.equals("..")) {
                if (out.isEmpty()) throw new LayerException(entry, what + " escapes the layer root");
                out.removeLast();
            } else if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
            i = j + 1;
        }
        return out;
    }

    static String join(List<String> comps, int count) {
        return String.join("/", comps.subList(0, count));
    }

    /** lstat, or null when nothing is there. */
    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * The directory holding the last component of {@code comps}, each component checked (and, with
     * {@code create}, made as 0755 when missing). Null when a component is missing and {@code create} is false.
     */
    Path parent(String entry, List<String> comps, boolean create, String what) throws IOException {
        if (comps.size() <= 1) return root;
        String parentRel = join(comps, comps.size() - 1);
        // A verified directory had all its ancestors verified first, and any removal forgets them all: one look-up.
        if (verified.contains(parentRel)) return root.resolve(parentRel);
        Path cur = root;
        for (int i = 0; i < comps.size() - 1; i++) {
            cur = cur.resolve(comps.get(i));
            String rel = join(comps, i + 1);
            if (verified.contains(rel)) continue;
            BasicFileAttributes a = lstat(cur);
            if (a == null) {
                if (!create) return null;
                try {
                    Files.createDirectory(cur);
                    Sys.chmod(cur, 0755);
                } catch (FileAlreadyExistsException e) {
                    throw new LayerException(entry, what + ": parent \"" + rel + "\" appeared while being created");
                }
            } else if (a.isSymbolicLink()) {
                throw new LayerException(entry, what + ": parent \"" + rel + "\" is a symlink; refusing to follow it");
            } else if (!a.isDirectory()) {
                throw new LayerException(entry, what + ": parent \"" + rel + "\" is not a directory");
            }
            verified.add(rel);
        }
        return cur;
    }

    /** A directory made or found at {@code rel} (known to be real, not a symlink). */
    void verifiedDir(String rel) {
        verified.add(rel);
    }

    /** Removes whatever is at {@code p}, a whole tree for a directory, never following symlinks. */
    void remove(Path p) throws IOException {
        BasicFileAttributes a = lstat(p);
        if (a == null) return;
        if (a.isDirectory() || a.isSymbolicLink()) verified.clear();
        if (a.isDirectory()) {
            Trees.delete(p);
        } else {
            Files.delete(p);
        }
    }
}
