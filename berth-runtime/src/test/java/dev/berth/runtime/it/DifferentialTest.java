package dev.berth.runtime.it;

import dev.berth.oci.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same busybox bundles run under berth and under runc (the Debian package), on the real kernel. Each test
 * checks berth's result against what the spec requires and against what runc did with the same bundle.
 */
class DifferentialTest {
    @TempDir
    static Path tmp;
    static Oci.Berth berth;
    static Oci.Runc runc;

    @AfterAll
    static void tidy() throws IOException {
        Host.removeEmptyTestCgroups();
    }

    @BeforeAll
    static void setUp() throws IOException {
        Host.requireRoot();
        Host.requireRunc();
        berth = new Oci.Berth(Files.createDirectories(tmp.resolve("berth-root")));
        runc = new Oci.Runc(Files.createDirectories(tmp.resolve("runc-root")));
    }

    /** What one runtime did: its exit code and every file the script wrote to /out. */
    record Outcome(int exit, Map<String, String> files) {
        String get(String name) {
            return files.getOrDefault(name, "").trim();
        }
    }

    private static Outcome run(Oci oci, TestBundle b) throws Exception {
        int exit;
        try {
            exit = oci.run(b);
        } finally {
            try {
                oci.delete(b.id, true);
            } catch (Exception ignored) {
                // already gone: run deletes
            }
        }
        Map<String, String> files = new LinkedHashMap<>();
        try (var s = Files.list(b.out)) {
            for (Path p : s.sorted().toList()) files.put(p.getFileName().toString(), Files.readString(p));
        }
        Host.assertNoLeaks(oci, b);
        return new Outcome(exit, files);
    }

    /** Runs the script under both runtimes with the same config; berth's outcome and runc's. */
    private static Outcome[] both(String name, String script, Consumer<TestBundle> config) throws Exception {
        TestBundle b = TestBundle.create(tmp, name);
        config.accept(b);
        b.script(script);
        TestBundle r = b.fresh(tmp);
        return new Outcome[]{run(berth, b), run(runc, r)};
    }

    private static final String ISOLATION = String.join("\n",
            "echo $$ > /out/pid",
            "ls -d /proc/[0-9]* | wc -l > /out/nprocs",
            "hostname > /out/hostname",
            "grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status > /out/status",
            "cat /proc/kcore | wc -c > /out/kcore",
            "ls /proc/acpi | wc -l > /out/acpi",
            "(echo x > /proc/sys/kernel/domainname) 2>/dev/null && echo writable > /out/procsys || echo read-only > /out/procsys",
            "touch /newfile 2>/dev/null && echo writable > /out/root || echo read-only > /out/root",
            "awk '{print $2, $3}' /proc/mounts | grep -v '^/sys/fs/cgroup/' | sort > /out/mounts",
            "for d in null zero full tty random urandom; do stat -c '%n %F %a %t:%T' /dev/$d; done > /out/devices",
            "ls -l /dev/fd /dev/stdin /dev/ptmx | awk '{print $9, $10, $11}' > /out/links",
            "id > /out/id",
            "ulimit -n > /out/nofile",
            "pwd > /out/cwd",
            "env | grep -v '^SHLVL\\|^PWD\\|^_' | sort > /out/env",
            "for n in pid net mnt ipc uts cgroup; do readlink /proc/self/ns/$n; done > /out/ns",
            "exit 7");

    @Test
    void isolation_matchesRuncAndTheSpec() throws Exception {
        Outcome[] o = both("iso", ISOLATION, b -> { });
        Outcome mine = o[0], theirs = o[1];
        assertThat(mine.exit()).isEqualTo(7).isEqualTo(theirs.exit());
        assertThat(mine.get("pid")).as("PID 1 is the configured process").isEqualTo("1");
        assertThat(Integer.parseInt(mine.get("nprocs"))).as("host processes are invisible").isLessThanOrEqualTo(3);
        assertThat(mine.get("hostname")).isEqualTo("berth");
        assertThat(mine.get("kcore")).as("masked /proc/kcore reads empty").isEqualTo("0");
        assertThat(mine.get("acpi")).as("masked /proc/acpi is an empty directory").isEqualTo("0");
        assertThat(mine.get("procsys")).isEqualTo("read-only");
        assertThat(mine.get("root")).as("root.readonly").isEqualTo("read-only");
        assertThat(mine.get("status")).contains("NoNewPrivs:\t1").contains("CapBnd:\t0000000020000420");
        assertThat(mine.get("mounts")).contains("/proc proc", "/dev tmpfs", "/dev/pts devpts", "/dev/shm tmpfs",
                "/dev/mqueue mqueue", "/sys sysfs", "/sys/fs/cgroup tmpfs", "/out ");
        assertThat(mine.get("devices")).contains("/dev/null character special file 666 1:3");
        String hostNs = hostNamespaces();
        for (String line : mine.get("ns").split("\n")) assertThat(hostNs).as("namespace " + line + " is new").doesNotContain(line);
        // nprocs is left out: whether ls sees wc depends on which of the two forked first
        for (String f : List.of("pid", "hostname", "status", "kcore", "acpi", "procsys", "root", "mounts",
                "devices", "links", "id", "nofile", "cwd", "env")) {
            assertThat(mine.get(f)).as("/out/" + f + " under berth vs runc").isEqualTo(theirs.get(f));
        }
    }

    private static String hostNamespaces() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String n : List.of("pid", "net", "mnt", "ipc", "uts", "cgroup")) sb.append(Files.readSymbolicLink(Path.of("/proc/self/ns", n))).append('\n');
        return sb.toString();
    }

    @Test
    void userGroupsCwdEnvAndRlimits_matchRunc() throws Exception {
        Outcome[] o = both("user", String.join("\n",
                "id > /out/id", "pwd > /out/cwd", "echo $GREETING > /out/env", "ulimit -n > /out/nofile", "ulimit -u > /out/nproc",
                "umask > /out/umask", "touch /dev/shm/f && stat -c '%u:%g %a' /dev/shm/f > /out/file"), b -> {
            Map<String, Object> p = b.process();
            p.put("user", Json.obj("uid", 1000, "gid", 1000, "additionalGids", List.of(10, 20), "umask", 027));
            p.put("cwd", "/tmp/work");
            p.put("env", List.of("PATH=/bin", "GREETING=hello berth"));
            p.put("rlimits", List.of(Json.obj("type", "RLIMIT_NOFILE", "hard", 256, "soft", 128),
                    Json.obj("type", "RLIMIT_NPROC", "hard", 64, "soft", 64)));
        });
        Outcome mine = o[0], theirs = o[1];
        assertThat(mine.exit()).isZero();
        assertThat(mine.get("id")).isEqualTo("uid=1000 gid=1000 groups=10,20");
        assertThat(mine.get("cwd")).isEqualTo("/tmp/work");
        assertThat(mine.get("env")).isEqualTo("hello berth");
        assertThat(mine.get("nofile")).isEqualTo("128");
        assertThat(mine.get("nproc")).isEqualTo("64");
        assertThat(mine.get("umask")).isEqualTo("0027");
        assertThat(mine.get("file")).isEqualTo("1000:1000 640");
        for (String f : List.of("id", "cwd", "env", "nofile", "nproc", "umask", "file")) {
            assertThat(mine.get(f)).as(f + " under berth vs runc").isEqualTo(theirs.get(f));
        }
    }

    @Test
    void capabilities_areExactlyAsConfigured() throws Exception {
        List<String> caps = List.of("CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN");
        Outcome[] o = both("caps", "grep -E '^Cap' /proc/self/status > /out/caps", b -> {
            b.process().put("capabilities", Json.obj("bounding", List.of("CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_KILL"),
                    "effective", caps, "permitted", caps, "inheritable", List.of("CAP_CHOWN"), "ambient", List.of("CAP_CHOWN")));
            b.process().put("noNewPrivileges", false);
        });
        // CHOWN=0, NET_RAW=13, SYS_ADMIN=21, KILL=5. As root, execve makes permitted = effective = bounding.
        assertThat(o[0].get("caps")).contains("CapInh:\t0000000000000001", "CapPrm:\t0000000000202021",
                "CapEff:\t0000000000202021", "CapBnd:\t0000000000202021", "CapAmb:\t0000000000000001");
        assertThat(o[0].get("caps")).isEqualTo(o[1].get("caps"));
    }

    @Test
    void capabilities_ofANonRootUser_keepOnlyTheAmbientSetAcrossExec() throws Exception {
        List<String> caps = List.of("CAP_CHOWN", "CAP_NET_RAW");
        Outcome[] o = both("capsuser", "grep -E '^Cap' /proc/self/status > /out/caps", b -> {
            b.process().put("user", Json.obj("uid", 1000, "gid", 1000));
            b.process().put("capabilities", Json.obj("bounding", caps, "effective", caps, "permitted", caps,
                    "inheritable", caps, "ambient", List.of("CAP_NET_RAW")));
        });
        assertThat(o[0].get("caps")).contains("CapInh:\t0000000000002001", "CapPrm:\t0000000000002000",
                "CapEff:\t0000000000002000", "CapBnd:\t0000000000002001", "CapAmb:\t0000000000002000");
        assertThat(o[0].get("caps")).isEqualTo(o[1].get("caps"));
    }

    @Test
    void dockerDefaultSeccompProfile_deniesWhatDockerDenies() throws Exception {
        Object profile;
        try (var in = DifferentialTest.class.getResourceAsStream("/dev/berth/runtime/seccomp/docker-default-seccomp.json")) {
            profile = Json.parse(new String(in.readAllBytes()), "docker-default-seccomp.json");
        }
        Outcome[] o = both("seccomp", String.join("\n",
                "grep '^Seccomp:' /proc/self/status > /out/mode",
                "unshare -U true 2>/out/unshare; echo \"exit $?\" >> /out/unshare",
                "mkdir /dev/shm/d && echo ok > /out/mkdir",
                "ls / > /dev/null && echo ok > /out/ls"), b -> {
            b.linux().put("seccomp", profile);
            b.process().put("noNewPrivileges", true);
        });
        assertThat(o[0].exit()).isZero();
        assertThat(o[0].get("mode")).isEqualTo("Seccomp:\t2");
        assertThat(o[0].get("unshare")).contains("Operation not permitted").endsWith("exit 1");
        assertThat(o[0].get("mkdir")).isEqualTo("ok");
        assertThat(o[0].get("ls")).isEqualTo("ok");
        for (String f : List.of("mode", "unshare", "mkdir", "ls")) assertThat(o[0].get(f)).as(f).isEqualTo(o[1].get(f));
    }

    @Test
    void seccompRule_failsTheSyscallWithTheConfiguredErrno() throws Exception {
        Outcome[] o = both("errno", "mkdir /dev/shm/x 2> /out/mkdir; echo \"exit $?\" >> /out/mkdir; touch /dev/shm/y && echo ok > /out/touch", b ->
                b.linux().put("seccomp", Json.obj("defaultAction", "SCMP_ACT_ALLOW", "architectures", List.of("SCMP_ARCH_X86_64"),
                        "syscalls", List.of(Json.obj("names", List.of("mkdir", "mkdirat"), "action", "SCMP_ACT_ERRNO", "errnoRet", 13)))));
        assertThat(o[0].get("mkdir")).contains("Permission denied").endsWith("exit 1");
        assertThat(o[0].get("touch")).isEqualTo("ok");
        assertThat(o[0].get("mkdir")).isEqualTo(o[1].get("mkdir"));
    }

    @Test
    void sysctlOomScoreAndDomainname_areApplied() throws Exception {
        Outcome[] o = both("sysctl", String.join("\n",
                "cat /proc/sys/net/ipv4/ip_forward > /out/forward",
                "cat /proc/sys/kernel/msgmax > /out/msgmax",
                "cat /proc/self/oom_score_adj > /out/oom",
                "cat /proc/sys/kernel/domainname > /out/domain"), b -> {
            b.linux().put("sysctl", Json.obj("net.ipv4.ip_forward", "1", "kernel.msgmax", "12345"));
            b.process().put("oomScoreAdj", 500);
            b.config.put("domainname", "example.test");
        });
        assertThat(o[0].exit()).isZero();
        assertThat(o[0].get("forward")).isEqualTo("1");
        assertThat(o[0].get("msgmax")).isEqualTo("12345");
        assertThat(o[0].get("oom")).isEqualTo("500");
        assertThat(o[0].get("domain")).isEqualTo("example.test");
        // not "domain": Debian's runc 1.1.5 ignores the spec's domainname (runc applies it from 1.2 on)
        for (String f : List.of("forward", "msgmax", "oom")) assertThat(o[0].get(f)).as(f).isEqualTo(o[1].get(f));
    }

    @Test
    void exitCodes_matchRunc() throws Exception {
        Outcome[] o = both("code", "exit 42", b -> { });
        assertThat(o[0].exit()).isEqualTo(42).isEqualTo(o[1].exit());
    }

    @Test
    void killedByASignal_runExitsWith128PlusTheSignal() throws Exception {
        for (Oci oci : List.of(berth, runc)) {
            TestBundle b = TestBundle.create(tmp, "sig").script("echo up > /out/up; exec sleep 1000");
            var result = java.util.concurrent.Executors.newSingleThreadExecutor().submit(() -> oci.run(b));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (b.read("up").isEmpty() && System.nanoTime() < deadline) Host.sleep(5);
            oci.kill(b.id, "KILL");
            assertThat(result.get(20, java.util.concurrent.TimeUnit.SECONDS)).as(oci + ": 128 + SIGKILL").isEqualTo(137);
            Host.assertNoLeaks(oci, b);
        }
    }

    @Test
    void pidsLimit_stopsAForkBomb() throws Exception {
        Outcome[] o = both("pids", String.join("\n",
                // busybox sh exits when fork fails, so the bomb runs in a subshell; counting uses builtins only
                "(i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done) 2>/out/err",
                "set -- /proc/[0-9]*; echo $# > /out/n",
                "kill -9 -1; true"), b -> b.resources().put("pids", Json.obj("limit", 10)));
        assertThat(Integer.parseInt(o[0].get("n"))).as("processes under a pids limit of 10").isLessThanOrEqualTo(10);
        assertThat(o[0].get("err")).contains("can't fork");
        assertThat(Integer.parseInt(o[1].get("n"))).isLessThanOrEqualTo(10);
    }
}
