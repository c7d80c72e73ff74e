package dev.berth.runtime.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a path inside a root filesystem the way the container will see it: symlinks are followed, but
 * always relative to the root, so an image cannot point a mount target at the host ({@code /etc -> /} or
 * {@code ../../..}). The same job as runc's securejoin.
 */
public final class SecurePath {
    private SecurePath() {}

    public static Path resolve(Path root, String path) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, path);
        Path cur = root;
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                cur = cur.equals(root) ? root : cur.getParent();
                continue;
            }
            Path next = cur.resolve(part);
            if (Files.isSymbolicLink(next)) {
                if (++links > 255) throw new IOException("too many levels of symbolic links: " + path);
                String target = Files.readSymbolicLink(next).toString();
                if (target.startsWith("/")) cur = root;
                push(todo, target);
                continue;
            }
            cur = next;
        }
        return cur;
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) todo.push(parts[i]);
    }

    public static boolean isDirectory(Path p) {
        return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }
}
