package dev.berth.runtime.it;

import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the integration tests need from the host, and the checks that a test left nothing behind. */
final class Host {
    private Host() {}

    /** Skips (and says why) unless running as root, which namespaces, mounts and cgroups need; CI runs as root. */
    static void requireRoot() {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: these tests create namespaces, mounts and cgroups and need root");
        Assumptions.assumeTrue(root, "needs root");
    }

    static void requireRunc() {
        if (!Oci.runcPresent()) System.err.println("SKIP: runc is not installed (scripts/setup installs it)");
        Assumptions.assumeTrue(Oci.runcPresent(), "needs runc");
    }

    /** Every cgroup directory of this container id, in every hierarchy. */
    static List<Path> cgroupDirs(String id) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/fs/cgroup"))) {
            for (Path h : ds) {
                Path d = h.resolve("berth-test").resolve(id);
                if (Files.exists(d)) found.add(d);
            }
        }
        Path unified = Path.of("/sys/fs/cgroup/berth-test", id);
        if (Files.exists(unified)) found.add(unified);
        return found;
    }

    /** Processes whose command line mentions the marker (tests put the container id in their scripts). */
    static List<String> processesMentioning(String marker) throws IOException {
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmd.contains(marker)) found.add(p.getFileName() + ": " + cmd);
                } catch (IOException ignored) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

    static List<String> mountsMentioning(String marker) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(marker)).toList();
    }

    /** Asserts nothing of the container is left: state, cgroups, processes, mounts. */
    static void assertNoLeaks(Oci oci, TestBundle b) throws IOException {
        assertThat(oci.root().resolve(b.id)).as("state directory of " + b.id).doesNotExist();
        assertThat(cgroupDirs(b.id)).as("cgroups of " + b.id).isEmpty();
        assertThat(processesMentioning(b.id)).as("processes of " + b.id).isEmpty();
        assertThat(mountsMentioning(b.dir.toString())).as("host mounts of " + b.dir).isEmpty();
    }

    /** Removes the /berth-test parent cgroups the tests made, where empty (another run may be using them). */
    static void removeEmptyTestCgroups() throws IOException {
        List<Path> parents = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/sys/fs/cgroup"))) {
            for (Path h : ds) parents.add(h.resolve("berth-test"));
        }
        parents.add(Path.of("/sys/fs/cgroup/berth-test"));
        for (Path p : parents) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException busy) {
                // not empty or in use: leave it
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
