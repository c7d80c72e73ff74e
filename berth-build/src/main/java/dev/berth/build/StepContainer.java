package dev.berth.build;

import dev.berth.image.content.ContentStore;
import dev.berth.image.layer.LayerWriter;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.json.Json;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.DefaultSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One build step's writable root: an overlay snapshot on top of the stage's layers, mounted, so RUN can execute
 * in it (a real container) and COPY can write into it; {@link #commit} turns what changed into a layer.
 */
final class StepContainer implements AutoCloseable {
    /** Docker's default capabilities for RUN steps. */
    static final List<String> CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    /** Host files a RUN step sees (DNS while the network is the host's), bound over the image's own. */
    private static final List<String> HOST_FILES = List.of("/etc/resolv.conf", "/etc/hosts");

    final String id = UUID.randomUUID().toString().replace("-", "");
    private final Snapshots snapshots;
    private final Path merged;
    private boolean mounted;

    StepContainer(Snapshots snapshots, Digest topChain) throws IOException {
        this.snapshots = snapshots;
        var mount = snapshots.prepare("build-" + id.substring(0, 12), topChain);
        this.merged = snapshots.mergedDir("build-" + id.substring(0, 12));
        try {
            // who owns it: a later build reclaims the snapshot if this process dies mid-step
            Files.writeString(snapshots.active("build-" + id.substring(0, 12)).orElseThrow().dir().resolve("owner"),
                    Long.toString(ProcessHandle.current().pid()));
            Snapshots.mount(mount, merged);
            mounted = true;
        } catch (IOException | RuntimeException e) {
            snapshots.remove("build-" + id.substring(0, 12));
            throw e;
        }
    }

    Path rootfs() {
        return merged;
    }

    /**
     * Runs argv in the step's root as user, in workdir, with env; output goes to out as it comes and to log.
     * Returns the exit code.
     */
    int run(ContainerRuntime rt, List<String> argv, List<String> env, String user, String workdir, PrintStream out, Path scratch) throws IOException {
        Path bundle = Files.createDirectories(scratch.resolve("run-" + id));
        Path log = bundle.resolve("output.log");
        Files.createFile(log);
        List<Path> placeholders = new ArrayList<>();
        try {
            long[] ug = dev.berth.runtime.Users.resolve(merged, user);
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) Json.parse(Json.write(DefaultSpec.json(argv, false)), "spec");
            spec.put("root", Json.obj("path", merged.toString(), "readonly", false));
            spec.put("hostname", id.substring(0, 12));
            @SuppressWarnings("unchecked")
            Map<String, Object> proc = (Map<String, Object>) spec.get("process");
            proc.put("env", env);
            proc.put("cwd", workdir == null || workdir.isEmpty() ? "/" : workdir);
            proc.put("user", Json.obj("uid", ug[0], "gid", ug[1]));
            proc.put("capabilities", Json.obj("bounding", CAPS, "effective", CAPS, "permitted", CAPS));
            proc.put("noNewPrivileges", false);
            @SuppressWarnings("unchecked")
            Map<String, Object> linux = (Map<String, Object>) spec.get("linux");
            // Until berth has networks, RUN shares the host's network (as `docker build --network host`).
            linux.put("namespaces", List.of(Json.obj("type", "pid"), Json.obj("type", "ipc"), Json.obj("type", "uts"), Json.obj("type", "mount")));
            linux.put("cgroupsPath", "/berth/build-" + id.substring(0, 12));
            @SuppressWarnings("unchecked")
            List<Object> mounts = new ArrayList<>((List<Object>) spec.get("mounts"));
            mounts.removeIf(m -> "/sys/fs/cgroup".equals(((Map<?, ?>) m).get("destination")));
            for (String f : HOST_FILES) {
                Path target = merged.resolve(f.substring(1));
                if (!Files.exists(Path.of(f))) continue;
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(target.getParent())) placeholders.add(target);
                if (Files.isSymbolicLink(target)) continue; // a symlinked resolv.conf: leave the image's as it is
                mounts.add(Json.obj("destination", f, "type", "bind", "source", f, "options", List.of("rbind", "ro")));
            }
            spec.put("mounts", mounts);
            Files.writeString(bundle.resolve("config.json"), Json.write(spec));
            try (Follower follow = new Follower(log, out)) {
                int code = rt.run(new ContainerRuntime.CreateOptions("build-" + id.substring(0, 12), bundle, null, null,
                        ContainerRuntime.Stdio.toFile(log)));
                follow.drain();
                if (code != 0) lastLines = tail(log, 10);
                return code;
            }
        } finally {
            // files created only to be bind-mount targets must not end up in the layer
            for (Path p : placeholders) {
                Path upper = snapshots.upperDir("build-" + id.substring(0, 12)).resolve(merged.relativize(p));
                if (Files.isRegularFile(upper, LinkOption.NOFOLLOW_LINKS) && Files.size(upper) == 0) Files.delete(upper);
            }
            BusyboxBundle.deleteTree(bundle);
        }
    }

    /** The end of a failed step's output, for the error message. */
    String lastLines = "";

    private static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Unmounts and removes build snapshots whose owning process is gone (a build killed mid-step). */
    static void reclaim(Snapshots snapshots) throws IOException {
        for (Snapshots.Active a : snapshots.activeSnapshots()) {
            if (!a.key().startsWith("build-")) continue;
            Path owner = a.dir().resolve("owner");
            long pid;
            try {
                pid = Long.parseLong(Files.readString(owner).trim());
            } catch (IOException | NumberFormatException e) {
                continue; // being set up right now
            }
            if (ProcessHandle.of(pid).isPresent()) continue;
            Snapshots.unmount(a.merged());
            snapshots.remove(a.key());
        }
        snapshots.cleanup();
    }

    /** True if the step changed nothing. */
    boolean unchanged() throws IOException {
        try (var s = Files.list(snapshots.upperDir("build-" + id.substring(0, 12)))) {
            return s.findAny().isEmpty();
        }
    }

    /** What the step changed, as a gzip layer in the content store. */
    LayerWriter.Written commit(ContentStore store) throws IOException {
        return LayerWriter.upper(snapshots.upperDir("build-" + id.substring(0, 12))).write(store, MediaType.Compression.GZIP);
    }

    @Override
    public void close() throws IOException {
        if (mounted) Snapshots.unmount(merged);
        mounted = false;
        snapshots.remove("build-" + id.substring(0, 12));
    }

    /** Copies a step's output to the build output while it runs (the container writes a file). */
    private static final class Follower implements AutoCloseable {
        private final Path log;
        private final PrintStream out;
        private final Thread thread;
        private volatile boolean stop;
        private long pos;

        Follower(Path log, PrintStream out) {
            this.log = log;
            this.out = out;
            this.thread = Thread.ofVirtual().start(this::loop);
        }

        private void loop() {
            while (!stop) {
                copy();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private synchronized void copy() {
            try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                long len = f.length();
                if (len <= pos) return;
                f.seek(pos);
                byte[] b = new byte[(int) Math.min(len - pos, 1 << 20)];
                f.readFully(b);
                pos += b.length;
                out.write(b, 0, b.length);
                out.flush();
            } catch (IOException ignored) {
                // the log is gone: nothing more to copy
            }
        }

        void drain() throws IOException {
            stop = true;
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            copy();
            while (pos < Files.size(log)) copy();
        }

        @Override
        public void close() {
            stop = true;
            thread.interrupt();
        }
    }
}
