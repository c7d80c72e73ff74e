package dev.berth.api;

import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A daemon for a test: on a socket in {@code tmp}, its data and run roots there too, with a "busybox" image
 * imported from the host's busybox-static (as DockerEngineTest does). Skips the calling test, saying why, when
 * not root. {@link #leaks} lists what containers left behind, scoped to this daemon's paths and the given ids.
 */
final class TestDaemon {
    final Path tmp, socket;
    final Daemon daemon;

    private TestDaemon(Path tmp, Daemon daemon) {
        this.tmp = tmp;
        this.socket = tmp.resolve("d.sock");
        this.daemon = daemon;
    }

    static TestDaemon start(Path tmp) throws Exception {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: the daemon runs containers, which needs root");
        Assumptions.assumeTrue(root, "needs root");
        Daemon daemon = Daemon.start(tmp.resolve("d.sock"), tmp.resolve("data"), tmp.resolve("run"));
        var images = daemon.engine().images();
        Path rootfs = BusyboxBundle.rootfs(tmp.resolve("bb"));
        Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
        var d = images.importTarball(tar.getInputStream(), new ImageConfig.Run(null, List.of("PATH=/bin:/sbin"), null, List.of("sh"),
                null, List.of(), List.of(), Map.of(), null, null, List.of(), null, false), "busybox");
        images.names().put(ImageReference.parse("busybox"), d);
        return new TestDaemon(tmp, daemon);
    }

    /** Removes every container left, then stops the daemon. */
    void close() throws Exception {
        for (var c : daemon.engine().list(true)) daemon.engine().remove((String) c.get("Id"), true, true);
        daemon.close();
    }

    /**
     * What containers left behind: container rows, mounts under tmp, cgroups named by the ids (every v1
     * hierarchy and the v2 tree, under berth's /berth parent), processes whose command line names this daemon's
     * run root (the shims), active snapshots, container directories, anonymous volumes. Empty when clean.
     */
    List<String> leaks(Collection<String> ids) throws IOException {
        List<String> out = new ArrayList<>();
        var engine = daemon.engine();
        for (var c : engine.list(true)) out.add("container row " + c.get("Id") + " " + ((Map<?, ?>) c.get("State")).get("Status"));
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) if (l.contains(tmp.toString())) out.add("mount " + l);
        List<Path> hierarchies = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            s.filter(Files::isDirectory).forEach(hierarchies::add);
        }
        hierarchies.add(Path.of("/sys/fs/cgroup")); // the v2 tree when it is mounted right there
        for (Path h : hierarchies) {
            for (String id : ids) if (Files.exists(h.resolve("berth").resolve(id))) out.add("cgroup " + h.resolve("berth").resolve(id));
        }
        String runRoot = tmp.resolve("run").toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmd.contains(runRoot) || ids.stream().anyMatch(cmd::contains)) out.add("process " + p.getFileName() + ": " + cmd);
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        for (var a : engine.snapshots().activeSnapshots()) out.add("snapshot " + a.key());
        Path containers = tmp.resolve("data").resolve("containers");
        if (Files.isDirectory(containers)) {
            try (Stream<Path> s = Files.list(containers)) {
                s.forEach(d -> out.add("container dir " + d));
            }
        }
        Path runContainers = tmp.resolve("run").resolve("containers");
        if (Files.isDirectory(runContainers)) {
            try (Stream<Path> s = Files.list(runContainers)) {
                s.forEach(d -> out.add("runtime state " + d));
            }
        }
        for (var v : engine.volumes().list()) {
            if (engine.volumes().anonymous((String) v.get("Name"))) out.add("anonymous volume " + v.get("Name"));
        }
        return out;
    }
}
