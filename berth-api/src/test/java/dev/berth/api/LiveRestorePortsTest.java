package dev.berth.api;

import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Published ports across a daemon restart (live restore): a new daemon on the same roots holds the host ports of
 * the containers still running, so the page is still served, docker port still answers and no other container
 * gets the port until the first one is removed. The first daemon is closed in-process, which leaves its
 * containers running. Own bridge and subnet; traffic only to 127.0.0.1.
 */
class LiveRestorePortsTest {
    static final String BRIDGE = "bthlrp0", SUBNET = "10.219.7.0/24";
    @TempDir
    Path tmp;

    private Daemon daemon() throws Exception {
        System.setProperty("berth.bridge", BRIDGE);
        System.setProperty("berth.bridge.subnet", SUBNET);
        try {
            return Daemon.start(tmp.resolve("d.sock"), tmp.resolve("data"), tmp.resolve("run"));
        } finally {
            System.clearProperty("berth.bridge");
            System.clearProperty("berth.bridge.subnet");
        }
    }

    @Test
    void restoredContainer_keepsItsPublishedPort() throws Exception {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: networking needs root (bridges, namespaces, iptables)");
        Assumptions.assumeTrue(root, "needs root");
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "the CNI plugins are not installed (containernetworking-plugins)");
        Daemon first = daemon(), second = null;
        DockerCli docker = new DockerCli(tmp.resolve("d.sock"), tmp.resolve("docker-config"));
        try {
            Path rootfs = BusyboxBundle.rootfs(tmp.resolve("bb"));
            Files.writeString(rootfs.resolve("etc/index.html"), "hello from berth\n");
            Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
            var img = first.engine().images().importTarball(tar.getInputStream(), new ImageConfig.Run(null, List.of("PATH=/bin:/sbin"), null,
                    List.of("httpd", "-f", "-p", "80", "-h", "/etc"), null, List.of("80/tcp"), List.of(), Map.of(), null, null, List.of(), null, false), "web");
            first.engine().images().names().put(ImageReference.parse("web"), img);
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                port = s.getLocalPort();
            }
            String publish = "127.0.0.1:" + port + ":80";
            var run = docker.run("run", "-d", "--name", "web", "-p", publish, "web");
            assertThat(run.exit()).as(run.stderr()).isZero();
            assertThat(DockerNetworkTest.get(port)).contains("hello from berth");
            int pid = ((Number) ((Map<?, ?>) first.engine().inspect("web").get("State")).get("Pid")).intValue();

            first.close(); // the daemon goes; its container stays
            first = null;
            assertThat(Path.of("/proc/" + pid)).exists();
            second = daemon();

            assertThat(DockerNetworkTest.get(port)).contains("hello from berth");
            var ports = docker.run("port", "web");
            assertThat(ports.stdout().trim()).as(ports.stderr()).isEqualTo("80/tcp -> 127.0.0.1:" + port);
            var taken = docker.run("run", "-d", "--name", "thief", "-p", publish, "web");
            assertThat(taken.exit()).isNotZero();
            assertThat(taken.stderr()).contains("port is already allocated");
            docker.run("rm", "-f", "thief");

            assertThat(docker.run("rm", "-f", "web").exit()).isZero();
            var again = docker.run("run", "-d", "--name", "next", "-p", publish, "web");
            assertThat(again.exit()).as(again.stderr()).isZero();
            assertThat(DockerNetworkTest.get(port)).contains("hello from berth");
        } finally {
            Daemon d = second != null ? second : first;
            if (d != null) {
                try {
                    for (var c : d.engine().list(true)) d.engine().remove((String) c.get("Id"), true, true);
                } finally {
                    d.engine().networks().store().teardown(d.engine().networks().store().defaultNetwork());
                    d.close();
                }
            }
        }
        assertThat(Path.of("/sys/class/net", BRIDGE)).doesNotExist();
        assertThat(DockerNetworkTest.run("iptables-save")).doesNotContain(BRIDGE).doesNotContain("10.219.7.");
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList()).isEmpty();
    }
}
