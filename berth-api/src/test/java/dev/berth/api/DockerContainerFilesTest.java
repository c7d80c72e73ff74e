package dev.berth.api;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker cp, diff, export, commit, update, container prune and the resource/security flags of docker run, with
 * the real docker CLI against a berth daemon this test starts (root: it runs containers).
 */
class DockerContainerFilesTest {
    @TempDir
    static Path tmp;
    static TestDaemon testDaemon;
    static Daemon daemon;
    static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        testDaemon = TestDaemon.start(tmp);
        daemon = testDaemon.daemon;
        Path sock = testDaemon.socket;
        docker = new DockerCli(sock, tmp.resolve("docker-config"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (testDaemon == null) return;
        testDaemon.close();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList()).isEmpty();
    }

    private static String ok(String... args) throws Exception {
        var r = docker.run(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.output()).isZero();
        return r.stdout();
    }

    @Test
    void cp_bothWays_runningAndStopped_volumesAndSymlinksStayInside() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("cp-in"));
        Files.writeString(in.resolve("hello.txt"), "hi there\n");
        Path dir = Files.createDirectories(in.resolve("tree/sub"));
        Files.writeString(dir.resolve("deep.txt"), "deep\n");
        ok("run", "-d", "--name", "files", "-v", "cpvol:/data", "busybox", "sleep", "1000");

        ok("cp", in.resolve("hello.txt").toString(), "files:/tmp/");
        assertThat(ok("exec", "files", "cat", "/tmp/hello.txt")).isEqualTo("hi there\n");
        ok("cp", in.resolve("tree").toString(), "files:/newdir"); // a directory to a new name
        assertThat(ok("exec", "files", "cat", "/newdir/sub/deep.txt")).isEqualTo("deep\n");
        ok("cp", in.resolve("hello.txt").toString(), "files:/tmp/renamed.txt");
        assertThat(ok("exec", "files", "cat", "/tmp/renamed.txt")).isEqualTo("hi there\n");

        Path out = Files.createDirectories(tmp.resolve("cp-out"));
        ok("cp", "files:/etc/passwd", out.toString());
        assertThat(Files.readString(out.resolve("passwd"))).startsWith("root:x:0:0");
        ok("cp", "files:/newdir", out.resolve("copied").toString());
        assertThat(Files.readString(out.resolve("copied/sub/deep.txt"))).isEqualTo("deep\n");
        ok("exec", "files", "sh", "-c", "echo from-container > /tmp/made.txt");
        ok("cp", "files:/tmp/made.txt", "-"); // a tar on stdout
        var missing = docker.run("cp", "files:/nosuch", out.toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.stderr()).contains("Could not find the file /nosuch in container files");
        var missingDir = docker.run("cp", in.resolve("hello.txt").toString(), "files:/no/such/dir/");
        assertThat(missingDir.exit()).isEqualTo(1);

        // a file over a directory is refused (noOverwriteDirNonDir); symlinks are copied as links, or followed with -L
        ok("exec", "files", "mkdir", "/tmp/adir");
        Path clash = Files.createDirectories(tmp.resolve("clash"));
        Files.writeString(clash.resolve("adir"), "file\n");
        var over = docker.run("cp", clash.resolve("adir").toString(), "files:/tmp/");
        assertThat(over.exit()).isEqualTo(1);
        assertThat(over.stderr()).contains("cannot overwrite directory \"/tmp/adir\" with non-directory");
        ok("exec", "files", "ln", "-s", "/etc/passwd", "/tmp/pw");
        ok("cp", "files:/tmp/pw", out.resolve("pw-link").toString());
        assertThat(Files.readSymbolicLink(out.resolve("pw-link")).toString()).isEqualTo("/etc/passwd");
        ok("cp", "-L", "files:/tmp/pw", out.resolve("pw-file").toString());
        assertThat(Files.readString(out.resolve("pw-file"))).startsWith("root:x:0:0");

        // commit of a running container (paused while its layer is written)
        ok("commit", "files", "snap:1");
        assertThat(ok("run", "--rm", "snap:1", "cat", "/tmp/hello.txt", "/newdir/sub/deep.txt")).isEqualTo("hi there\ndeep\n");
        assertThat(ok("inspect", "-f", "{{.State.Status}}", "files").trim()).isEqualTo("running");

        // under a volume: the file lands in the volume
        ok("cp", in.resolve("hello.txt").toString(), "files:/data/");
        String mountpoint = ok("volume", "inspect", "-f", "{{.Mountpoint}}", "cpvol").trim();
        assertThat(Files.readString(Path.of(mountpoint, "hello.txt"))).isEqualTo("hi there\n");
        assertThat(ok("exec", "files", "cat", "/data/hello.txt")).isEqualTo("hi there\n");

        // a symlink pointing out of the rootfs is followed inside it
        String name = "berth-cp-escape-" + UUID.randomUUID() + ".txt";
        Files.writeString(in.resolve(name), "contained\n");
        ok("exec", "files", "ln", "-s", "../../../../../../..", "/tmp/up");
        ok("cp", in.resolve(name).toString(), "files:/tmp/up/");
        assertThat(Path.of("/", name)).doesNotExist();
        assertThat(ok("exec", "files", "cat", "/" + name)).isEqualTo("contained\n");

        // stopped: the snapshot is mounted for the copy and unmounted after
        ok("stop", "-t", "0", "files");
        ok("cp", "files:/tmp/made.txt", out.toString());
        assertThat(Files.readString(out.resolve("made.txt"))).isEqualTo("from-container\n");
        Files.writeString(in.resolve("later.txt"), "later\n");
        ok("cp", in.resolve("later.txt").toString(), "files:/tmp/");
        String id = ok("inspect", "-f", "{{.Id}}", "files").trim();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(id)).toList()).isEmpty();
        ok("start", "files");
        assertThat(ok("exec", "files", "cat", "/tmp/later.txt")).isEqualTo("later\n");
        ok("rm", "-f", "-v", "files");
        ok("volume", "rm", "cpvol");

        // -a (copyUIDGID): the files get the container user's ids; without it the tar's (root's here)
        ok("run", "-d", "--name", "owned", "--user", "65534:65534", "busybox", "sleep", "1000");
        ok("cp", "-a", in.resolve("hello.txt").toString(), "owned:/tmp/a.txt");
        ok("cp", in.resolve("hello.txt").toString(), "owned:/tmp/b.txt");
        assertThat(ok("exec", "owned", "stat", "-c", "%u:%g", "/tmp/a.txt", "/tmp/b.txt")).isEqualTo("65534:65534\n0:0\n");
        ok("rm", "-f", "owned");

        // a tmpfs mount has no host source: the copy goes to the rootfs below it, never to a relative host path
        ok("run", "-d", "--name", "withtmpfs", "--mount", "type=tmpfs,dst=/t", "busybox", "sleep", "1000"); // /t made at start
        ok("cp", in.resolve(name).toString(), "withtmpfs:/t/");
        assertThat(Path.of(name)).doesNotExist();
        assertThat(Path.of(System.getProperty("user.dir"), name)).doesNotExist();
        ok("rm", "-f", "withtmpfs");

        ok("create", "--name", "readonly", "--read-only", "busybox");
        var ro = docker.run("cp", in.resolve("hello.txt").toString(), "readonly:/tmp/");
        assertThat(ro.exit()).isEqualTo(1);
        assertThat(ro.stderr()).contains("container rootfs is marked read-only");
        ok("rm", "readonly");
    }

    @Test
    void diffExportCommit() throws Exception {
        ok("run", "--name", "changed", "busybox", "sh", "-c",
                "echo x > /added.txt && rm /bin/vi && echo more >> /etc/passwd && mkdir -p /newdir/inner && echo y > /newdir/inner/f");
        String diff = ok("diff", "changed");
        assertThat(diff.lines().toList()).contains("A /added.txt", "D /bin/vi", "C /etc", "C /etc/passwd", "C /bin", "A /newdir",
                "A /newdir/inner", "A /newdir/inner/f");
        assertThat(diff).doesNotContain("/proc", "/sys", "/etc/hostname");

        Path tar = tmp.resolve("export.tar");
        ok("export", "-o", tar.toString(), "changed");
        Process list = new ProcessBuilder("tar", "-tf", tar.toString()).start();
        List<String> names = new String(list.getInputStream().readAllBytes()).lines().toList();
        assertThat(names).contains("added.txt", "bin/busybox", "newdir/inner/f").doesNotContain("bin/vi");

        String imageId = ok("commit", "-a", "me", "-m", "a message", "--change", "CMD [\"cat\", \"/added.txt\"]", "--change", "ENV FOO=bar",
                "--change", "LABEL stage=committed", "--change", "WORKDIR /newdir", "changed", "committed:1").trim();
        assertThat(imageId).startsWith("sha256:");
        assertThat(ok("run", "--rm", "committed:1")).isEqualTo("x\n");
        assertThat(ok("run", "--rm", "committed:1", "sh", "-c", "pwd; echo $FOO; test -e /bin/vi || echo vi-gone")).isEqualTo("/newdir\nbar\nvi-gone\n");
        assertThat(ok("image", "inspect", "-f", "{{.Author}} {{.Config.Labels.stage}} {{len .RootFS.Layers}}", "committed:1").trim())
                .isEqualTo("me committed 2");
        assertThat(ok("history", "--no-trunc", "--format", "{{.Comment}}", "committed:1")).contains("a message");
        var bad = docker.run("commit", "--change", "RUN echo no", "changed", "committed:2");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.stderr()).contains("RUN cannot be used with commit");
        ok("rm", "changed");
        ok("run", "-d", "--name", "quiet", "busybox", "sleep", "1000");
        assertThat(ok("diff", "quiet")).as("the runtime's mount points are no change").isEmpty();
        ok("rm", "-f", "quiet");
    }

    @Test
    void update_changesHostConfigAndTheLiveCgroup() throws Exception {
        String id = ok("run", "-d", "--name", "upd", "busybox", "sleep", "1000").trim();
        ok("update", "--memory", "64m", "--memory-swap", "128m", "--pids-limit", "50", "--cpu-shares", "512", "--cpus", "0.5",
                "--restart", "on-failure:3", "upd");
        assertThat(ok("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}} "
                + "{{.HostConfig.NanoCpus}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "upd").trim())
                .isEqualTo("67108864 134217728 50 512 500000000 on-failure 3");
        assertThat(cgroup(id, "memory", "memory.limit_in_bytes")).isEqualTo("67108864");
        assertThat(cgroup(id, "pids", "pids.max")).isEqualTo("50");
        assertThat(cgroup(id, "cpu", "cpu.shares")).isEqualTo("512");
        assertThat(cgroup(id, "cpu", "cpu.cfs_quota_us")).isEqualTo("50000");
        var small = docker.run("update", "--memory", "1m", "upd");
        assertThat(small.exit()).isEqualTo(1);
        assertThat(small.stderr()).contains("Minimum memory limit allowed is 6MB");
        var cpus = docker.run("update", "--cpus", "999", "upd");
        assertThat(cpus.exit()).isEqualTo(1);
        assertThat(cpus.stderr()).contains("Range of CPUs is from 0.01 to");
        assertThat(ok("inspect", "-f", "{{.HostConfig.Memory}}", "upd").trim()).isEqualTo("67108864");
        ok("rm", "-f", "upd");
    }

    /**
     * A limit of the container's cgroup on this host, in v1's terms: read from the v1 hierarchy, or from the v2
     * tree translated (memory.max, cpu.max's quota, cpu.weight back to shares as runc maps them).
     */
    private static String cgroup(String id, String controller, String file) throws Exception {
        Path v1 = Path.of("/sys/fs/cgroup", controller, "berth", id, file);
        if (Files.exists(v1)) return Files.readString(v1).trim();
        Path v2 = Path.of("/sys/fs/cgroup/berth", id);
        return switch (file) {
            case "memory.limit_in_bytes" -> Files.readString(v2.resolve("memory.max")).trim();
            case "cpu.cfs_quota_us" -> Files.readString(v2.resolve("cpu.max")).trim().split(" ")[0];
            case "cpu.shares" -> { // weight = 1 + (shares - 2) * 9999 / 262142: report the shares that give it
                long w = Long.parseLong(Files.readString(v2.resolve("cpu.weight")).trim());
                for (long shares : List.of(256L, 512L)) if (1 + (shares - 2) * 9999 / 262142 == w) yield Long.toString(shares);
                yield "weight " + w;
            }
            default -> Files.readString(v2.resolve(file)).trim();
        };
    }

    @Test
    void prune_withLabelFilter_andRmVolumes() throws Exception {
        ok("create", "--name", "p1", "--label", "prune=yes", "busybox");
        ok("create", "--name", "p2", "busybox");
        String out = ok("container", "prune", "-f", "--filter", "label=prune=yes");
        assertThat(out).contains("Deleted Containers:");
        assertThat(docker.run("inspect", "p1").exit()).isEqualTo(1);
        assertThat(ok("inspect", "-f", "{{.Name}}", "p2").trim()).isEqualTo("/p2");
        var until = ok("container", "prune", "-f", "--filter", "until=2000-01-01T00:00:00Z");
        assertThat(until).doesNotContain("p2");
        ok("rm", "p2");

        ok("create", "--name", "anon", "-v", "/anon", "busybox");
        String vol = ok("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "anon").trim();
        assertThat(ok("volume", "ls", "-q")).contains(vol);
        ok("rm", "-v", "anon");
        assertThat(ok("volume", "ls", "-q")).doesNotContain(vol);
    }

    @Test
    void devices_nodeMadeAndAllowedInTheCgroup_badPathRefusedAtCreate() throws Exception {
        // /dev/loop-control (10:237) is not among the devices every container may use
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/loop-control")), "no /dev/loop-control on this host");
        // the node (type and numbers from the host's) and the device cgroup's allow rule with its permissions
        String out = ok("run", "--rm", "--device", "/dev/loop-control", "busybox", "sh", "-c", "ls -l /dev/loop-control; dd if=/dev/loop-control of=/dev/null count=0 2>/dev/null && echo opened");
        assertThat(out).contains("10, 237").contains("opened");
        // another path in the container; the permissions (here r) go into the rule, but berth's runtime also
        // allows every configured linux.devices node rwm (cgroup/DefaultDevices), so they do not narrow it yet
        assertThat(ok("run", "--rm", "--device", "/dev/loop-control:/dev/lc:r", "busybox", "sh", "-c", "ls -l /dev/lc")).contains("10, 237");
        // without --device the cgroup refuses it even where the node is made by hand
        assertThat(ok("run", "--rm", "busybox", "sh", "-c", "mknod /tmp/lc c 10 237 && (dd if=/tmp/lc of=/dev/null count=0 2>/dev/null && echo opened || echo denied)"))
                .contains("denied");
        assertThat(ok("run", "--rm", "busybox", "sh", "-c", "test -e /dev/loop-control && echo present || echo absent")).contains("absent");
        int before = ok("ps", "-aq").lines().toList().size();
        var bad = docker.run("run", "--rm", "--device", "/nonexistent", "busybox", "true");
        assertThat(bad.exit()).isNotZero(); // the CLI makes it 127 from the words "no such file or directory"
        assertThat(bad.stderr()).contains("error gathering device information while adding custom device \"/nonexistent\"");
        assertThat(ok("ps", "-aq").lines().toList()).hasSize(before);
    }

    @Test
    void runFlags_reachTheContainer() throws Exception {
        String id = ok("run", "-d", "--name", "limited", "--memory", "32m", "--memory-swap", "64m", "--cpus", "0.25", "--cpu-shares", "256",
                "--cpuset-cpus", "0", "--pids-limit", "20", "busybox", "sleep", "1000").trim();
        assertThat(cgroup(id, "memory", "memory.limit_in_bytes")).isEqualTo("33554432");
        assertThat(cgroup(id, "cpu", "cpu.cfs_quota_us")).isEqualTo("25000");
        assertThat(cgroup(id, "cpu", "cpu.shares")).isEqualTo("256");
        assertThat(cgroup(id, "cpuset", "cpuset.cpus")).isEqualTo("0");
        assertThat(cgroup(id, "pids", "pids.max")).isEqualTo("20");
        assertThat(ok("exec", "limited", "sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max").trim()).isEqualTo("20");
        ok("rm", "-f", "limited");

        assertThat(ok("run", "--rm", "--ulimit", "nofile=512:1024", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn")).isEqualTo("512\n1024\n");
        var ro = docker.run("run", "--rm", "--read-only", "busybox", "touch", "/x");
        assertThat(ro.exit()).isNotZero();
        assertThat(ro.output()).contains("Read-only file system");
        assertThat(capEff("--cap-drop", "ALL", "--cap-add", "NET_ADMIN")).isEqualTo("0000000000001000");
        assertThat(capEff("--cap-drop", "CHOWN")).isEqualTo("00000000a80425fa");
        assertThat(Long.parseLong(capEff("--privileged"), 16)).isGreaterThan(0xffffffffL);
        assertThat(status("--security-opt", "no-new-privileges")).contains("NoNewPrivs:\t1");
        assertThat(status()).contains("NoNewPrivs:\t0", "Seccomp:\t2");
        assertThat(status("--security-opt", "seccomp=unconfined")).contains("Seccomp:\t0");
        Path profile = tmp.resolve("no-mkdir.json");
        Files.writeString(profile, """
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
                """);
        var denied = docker.run("run", "--rm", "--security-opt", "seccomp=" + profile, "busybox", "mkdir", "/nope");
        assertThat(denied.exit()).isNotZero();
        assertThat(denied.output()).contains("Operation not permitted");
        assertThat(ok("run", "--rm", "--user", "1000:1000", "-w", "/tmp", "busybox", "sh", "-c", "id -u; id -g; pwd")).isEqualTo("1000\n1000\n/tmp\n");
        Path envFile = tmp.resolve("env.list");
        Files.writeString(envFile, "FROM_FILE=yes\n# comment\nOTHER=2\n");
        assertThat(ok("run", "--rm", "--env-file", envFile.toString(), "busybox", "sh", "-c", "echo $FROM_FILE $OTHER")).isEqualTo("yes 2\n");
        assertThat(ok("run", "--rm", "--entrypoint", "echo", "busybox", "via", "entrypoint")).isEqualTo("via entrypoint\n");
        String mounts = ok("run", "--rm", "--tmpfs", "/scratch:size=1m", "--shm-size", "8m", "busybox", "cat", "/proc/mounts");
        assertThat(mounts).containsPattern("tmpfs /scratch tmpfs [^ ]*size=1024k").containsPattern("/dev/shm tmpfs [^ ]*size=8192k");

        Path src = Files.createDirectories(tmp.resolve("bind-src"));
        Files.writeString(src.resolve("f"), "bound\n");
        // rslave means something only for a shared source: make it one (a bind onto itself), undone below
        assertThat(new ProcessBuilder("mount", "--bind", src.toString(), src.toString()).inheritIO().start().waitFor()).isZero();
        String m;
        try {
            assertThat(new ProcessBuilder("mount", "--make-shared", src.toString()).inheritIO().start().waitFor()).isZero();
            m = ok("run", "--rm", "--mount", "type=bind,src=" + src + ",dst=/b,readonly", "--mount", "type=volume,src=mountvol,dst=/v",
                "--mount", "type=tmpfs,dst=/t,tmpfs-size=2m", "--mount", "type=bind,src=" + src + ",dst=/b2,bind-propagation=rslave",
                "busybox", "sh", "-c", "cat /b/f; touch /b/x 2>&1; touch /v/ok && echo vol-ok; grep ' /t ' /proc/mounts; grep ' /b2 ' /proc/self/mountinfo");
        } finally {
            new ProcessBuilder("umount", src.toString()).inheritIO().start().waitFor();
        }
        assertThat(m).contains("bound\n", "Read-only file system", "vol-ok").containsPattern("tmpfs /t tmpfs [^ ]*size=2048k").contains("master:");
        var noSrc = docker.run("run", "--rm", "--mount", "type=bind,src=/no/such/dir,dst=/x", "busybox", "true");
        assertThat(noSrc.exit()).isNotZero();
        assertThat(noSrc.stderr()).contains("bind source path does not exist: /no/such/dir");
        ok("volume", "rm", "mountvol");
        var badMem = docker.run("run", "--rm", "--memory", "1m", "busybox", "true");
        assertThat(badMem.exit()).isNotZero();
        assertThat(badMem.stderr()).contains("Minimum memory limit allowed is 6MB");
    }

    @Test
    void failedStart_endsTheAttachedRun_andUnmounts() throws Exception {
        var r = docker.run("run", "--name", "nocmd", "busybox", "/no/such/cmd");
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("/no/such/cmd");
        String id = ok("inspect", "-f", "{{.Id}}", "nocmd").trim();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(id)).toList()).isEmpty();
        ok("rm", "nocmd");
    }

    private static String capEff(String... flags) throws Exception {
        String s = status(flags);
        return s.lines().filter(l -> l.startsWith("CapEff:")).findFirst().orElseThrow().substring(7).trim();
    }

    private static String status(String... flags) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--rm"));
        args.addAll(List.of(flags));
        args.addAll(List.of("busybox", "cat", "/proc/self/status"));
        return ok(args.toArray(String[]::new));
    }

    @Test
    void oom_isRecorded() throws Exception {
        var r = docker.run("run", "--name", "oom", "--memory", "16m", "--memory-swap", "16m", "busybox", "sh", "-c", "x=aaaaaaaa; while true; do x=$x$x; done");
        assertThat(r.exit()).isEqualTo(137);
        assertThat(ok("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "oom").trim()).isEqualTo("true 137");
        ok("rm", "oom");
    }
}
