package dev.berth.image.archive;

import dev.berth.image.Images;
import dev.berth.image.TestImages;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What berth saves, Podman loads, and the other way round, with the same image id (the config digest). Podman
 * keeps its storage in a temporary directory (vfs driver: nothing is mounted) and is removed afterwards.
 */
class PodmanInteropTest {
    @TempDir
    static Path tmp;

    @BeforeAll
    static void needsPodman() throws IOException {
        boolean present = Files.isExecutable(Path.of("/usr/bin/podman"));
        if (!present) System.err.println("SKIP: podman is not installed (scripts/setup installs it)");
        Assumptions.assumeTrue(present, "needs podman");
        Files.writeString(tmp.resolve("storage.conf"), "[storage]\ndriver = \"vfs\"\nrunroot = \"" + tmp.resolve("run")
                + "\"\ngraphroot = \"" + tmp.resolve("graph") + "\"\n");
        Files.writeString(tmp.resolve("containers.conf"), "[engine]\nevents_logger = \"file\"\ncgroup_manager = \"cgroupfs\"\n");
    }

    private static String podman(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("podman"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CONTAINERS_STORAGE_CONF", tmp.resolve("storage.conf").toString());
        pb.environment().put("CONTAINERS_CONF", tmp.resolve("containers.conf").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("podman " + String.join(" ", args) + ": timed out");
        }
        if (p.exitValue() != 0) throw new IOException("podman " + String.join(" ", args) + ": " + out);
        return out.trim();
    }

    @Test
    void berthSave_podmanLoad_podmanSave_berthLoad() throws Exception {
        Images berth = new Images(tmp.resolve("berth"));
        TestImages.image(berth, "interop:1", List.of(Map.of("etc/hello", "from berth"), Map.of("bin/x", "y")));
        String id = berth.get("interop:1").id().hex();

        Path saved = tmp.resolve("berth.tar");
        try (OutputStream out = Files.newOutputStream(saved)) {
            ImageArchive.save(berth, List.of("interop:1"), out, ImageArchive.Format.DOCKER);
        }
        assertThat(podman("load", "-i", saved.toString())).contains("docker.io/library/interop:1");
        assertThat(podman("image", "inspect", "--format", "{{.Id}}", "docker.io/library/interop:1")).isEqualTo(id);

        podman("tag", "docker.io/library/interop:1", "docker.io/library/interop:from-podman");
        for (String format : List.of("docker-archive", "oci-archive")) {
            Path back = tmp.resolve("podman-" + format + ".tar");
            podman("save", "--format", format, "-o", back.toString(), "docker.io/library/interop:from-podman");
            Images fresh = new Images(tmp.resolve("fresh-" + format));
            try (InputStream in = Files.newInputStream(back)) {
                List<String> loaded = ImageArchive.load(fresh, in);
                assertThat(loaded).as(format).hasSize(1);
            }
            assertThat(fresh.list()).hasSize(1);
            assertThat(fresh.list().getFirst().id().hex()).as(format + ": same image id").isEqualTo(id);
            assertThat(fresh.list().getFirst().config().diffIds()).isEqualTo(berth.get("interop:1").config().diffIds());
        }
        podman("rmi", "-a", "-f");
    }
}
