package dev.berth.cli;

import dev.berth.image.Images;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.runtime.BusyboxBundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Base images without a registry: each is a root filesystem tarball made from Debian's packages and imported
 * (as {@code berth import} does) with a proper config. busybox from busybox-static; debian from mmdebstrap.
 */
final class BaseImages {
    static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private BaseImages() {}

    static Descriptor busybox(Images images, String name) throws IOException {
        Path tmp = Files.createTempDirectory(Files.createDirectories(images.root().resolve("tmp")), "busybox");
        try {
            BusyboxBundle.rootfs(tmp.resolve("rootfs"));
            return importFrom(images, name, List.of("tar", "--numeric-owner", "--xattrs", "-C", tmp.resolve("rootfs").toString(), "-cf", "-", "."),
                    List.of("sh"), "busybox from " + BusyboxBundle.BUSYBOX + " (Debian busybox-static)");
        } finally {
            BusyboxBundle.deleteTree(tmp);
        }
    }

    static Descriptor debian(Images images, String name, String suite) throws IOException {
        if (!Files.isExecutable(Path.of("/usr/bin/mmdebstrap"))) throw new IOException("mmdebstrap is not installed: apt-get install mmdebstrap");
        return importFrom(images, name, List.of("mmdebstrap", "--variant=minbase", "--quiet", "--include=ca-certificates", suite, "-"),
                List.of("bash"), "debian " + suite + " from Debian's packages (mmdebstrap --variant=minbase)");
    }

    private static Descriptor importFrom(Images images, String name, List<String> cmd, List<String> defaultCmd, String comment) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Descriptor d;
        try (InputStream in = p.getInputStream()) {
            ImageConfig.Run run = new ImageConfig.Run(null, List.of(PATH), null, defaultCmd, null, List.of(), List.of(), Map.of(),
                    null, null, List.of(), null, false);
            d = images.importTarball(in, run, comment);
        }
        try {
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + ")");
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        images.names().put(ImageReference.parse(name), d);
        return d;
    }
}
