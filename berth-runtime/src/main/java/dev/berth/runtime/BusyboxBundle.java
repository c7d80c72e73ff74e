package dev.berth.runtime;

import dev.berth.oci.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes an OCI bundle from the host's static busybox (Debian's busybox-static): rootfs/bin/busybox with a
 * symlink per applet, /etc/passwd and /etc/group, and {@link DefaultSpec}'s config.json. Used by the demo, the
 * benchmarks and the tests; images (with a proper busybox image) come from berth's image store.
 */
public final class BusyboxBundle {
    public static final Path BUSYBOX = Path.of("/bin/busybox");

    private BusyboxBundle() {}

    /** Removes a directory tree (bundles made here, benchmark scratch space). */
    public static void deleteTree(Path dir) {
        ContainerRuntime.deleteTree(dir);
    }

    public static Path create(Path bundle, List<String> args) throws IOException {
        rootfs(bundle.resolve("rootfs"));
        Files.writeString(bundle.resolve("config.json"), Json.writePretty(DefaultSpec.json(args, false)));
        return bundle;
    }

    /** A busybox root filesystem: /bin/busybox with a symlink per applet, /etc/passwd and /etc/group, /tmp. */
    public static Path rootfs(Path rootfs) throws IOException {
        if (!Files.isExecutable(BUSYBOX)) throw new IOException(BUSYBOX + " is missing: install busybox-static (scripts/setup does)");
        Path bin = rootfs.resolve("bin");
        Files.createDirectories(bin);
        for (String d : List.of("proc", "sys", "dev", "etc", "tmp", "root", "usr/bin", "sbin", "var")) Files.createDirectories(rootfs.resolve(d));
        Files.setPosixFilePermissions(rootfs.resolve("tmp"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.copy(BUSYBOX, bin.resolve("busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Process p = new ProcessBuilder(BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
        String list = new String(p.getInputStream().readAllBytes());
        for (String applet : list.split("\n")) {
            if (applet.isBlank() || applet.equals("busybox")) continue;
            Path link = bin.resolve(applet.trim());
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.createSymbolicLink(link, Path.of("busybox"));
        }
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
        return rootfs;
    }
}
