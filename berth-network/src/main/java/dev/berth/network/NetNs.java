package dev.berth.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container's persistent network namespace: a file under the run root on which a new network namespace is
 * bind-mounted ({@code unshare --net=FILE true}, as {@code ip netns add} does), with its loopback up. The OCI
 * spec joins it by path; CNI plugins enter it by path; it outlives the container's processes until
 * {@link #remove}, so DEL can always run.
 */
public final class NetNs {
    private NetNs() {}

    public static Path create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (isMounted(file)) return file;
        Files.deleteIfExists(file);
        Files.createFile(file);
        try {
            // one process: the namespace is made and bound to the file, then "ip" runs in it
            HostCommands.run("create network namespace", "unshare", "--net=" + file, "ip", "link", "set", "lo", "up");
        } catch (RuntimeException e) {
            remove(file);
            throw e;
        }
        return file;
    }

    /** Unmounts and deletes the namespace file; missing is fine. */
    public static void remove(Path file) throws IOException {
        if (isMounted(file)) HostCommands.run("remove network namespace", "umount", file.toString());
        Files.deleteIfExists(file);
    }

    public static boolean isMounted(Path file) throws IOException {
        String s = file.toAbsolutePath().toString();
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = l.split(" ");
            if (f.length > 4 && f[4].equals(s)) return true;
        }
        return false;
    }
}
