package dev.berth.api;

import dev.berth.api.http.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input and its answers: malformed or mistyped JSON, bad names, references and flag values, unknown
 * containers, images and endpoints, through a raw HTTP client and through the real docker CLI. Every refusal is
 * a 4xx (or 304) with docker's one-line {@code {"message"}}, never a 500 with a Java exception, and a refused
 * create leaves nothing behind (rows, snapshots, dirs, volumes, cgroups, processes, mounts).
 */
class BadInputTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;
    static DockerCli docker;
    /** Ids of containers a test made (failed starts): their cgroups and processes are checked too. */
    final List<String> made = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        d = TestDaemon.start(tmp);
        docker = new DockerCli(d.socket, tmp.resolve("docker-config"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (d != null) d.close();
    }

    @AfterEach
    void nothingLeft() throws Exception {
        for (var c : d.daemon.engine().list(true)) d.daemon.engine().remove((String) c.get("Id"), true, true);
        assertThat(d.leaks(made)).as("left behind").isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    static RawClient.Reply send(String method, String target, String body) throws IOException {
        try (RawClient c = RawClient.connect(d.socket)) {
            return body == null ? (method.equals("GET") ? c.get(target) : c.send(method, target, "")) : c.send(method, target, body);
        }
    }

    /** A JSON error reply with this status whose one-line message contains {@code message}. */
    static void error(RawClient.Reply r, int status, String message) {
        String what = r.status() + " " + r.text();
        assertThat(r.status()).as(what).isEqualTo(status);
        assertThat(r.header("Content-Type")).as(what).isEqualTo("application/json");
        var m = dev.berth.oci.json.Json.parseObject(r.text(), "reply");
        String msg = m.string("message");
        assertThat(msg).as(what).contains(message).doesNotContain("\n");
        clean(msg);
    }

    /** Nothing that reads like Java leaked to the client. */
    static void clean(String text) {
        assertThat(text).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("java.").doesNotContain("For input string");
    }

    /** Creates through the API; the reply must be an error with this status and message, and nothing is left. */
    void badCreate(String query, String body, int status, String message) throws Exception {
        List<String> before = d.leaks(made); // what the test's own containers hold
        error(send("POST", "/v1.50/containers/create" + query, body), status, message);
        assertThat(d.leaks(made)).as("after the create of %s", body.length() > 200 ? body.substring(0, 200) : body)
                .containsExactlyInAnyOrderElementsOf(before);
    }

    String create(String name, String body) throws Exception {
        var r = send("POST", "/v1.50/containers/create" + (name == null ? "" : "?name=" + name), body);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        String id = dev.berth.oci.json.Json.parseObject(r.text(), "reply").string("Id");
        made.add(id);
        return id;
    }

    /** A failed docker CLI command: its exit code and output naming the problem, no Java in it. */
    DockerCli.Result dockerFails(int exit, String message, String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertThat(r.exit()).as(r.output()).isEqualTo(exit);
        assertThat(r.stderr()).as(r.output()).contains(message);
        clean(r.output());
        if (made.isEmpty()) assertThat(d.leaks(made)).as("after docker %s", String.join(" ", args)).isEmpty();
        return r;
    }

    // ------------------------------------------------------------------ malformed JSON

    @Test
    void malformedJson_400NamingTheField_nothingLeft() throws Exception {
        badCreate("", "{\"Image\":\"busybox\"", 400, "unexpected end of input");
        badCreate("", "[]", 400, "expected a JSON object");
        badCreate("", "{\"Image\":5}", 400, "Image");
        badCreate("", "{\"Image\":\"busybox\",\"Cmd\":5}", 400, "Cmd");
        badCreate("", "{\"Image\":\"busybox\",\"Cmd\":[\"true\",null]}", 400, "Cmd[1]");
        badCreate("", "{\"Image\":\"busybox\",\"Env\":\"x\"}", 400, "Env");
        badCreate("", "{\"Image\":\"busybox\",\"Env\":[1]}", 400, "Env[0]");
        badCreate("", "{\"Image\":\"busybox\",\"Tty\":\"yes\"}", 400, "Tty");
        badCreate("", "{\"Image\":\"busybox\",\"Labels\":{\"a\":5}}", 400, "Labels.a");
        badCreate("", "{\"Image\":\"busybox\",\"StopTimeout\":\"x\"}", 400, "StopTimeout");
        badCreate("", "{\"Image\":\"busybox\",\"Healthcheck\":{\"Test\":7}}", 400, "Healthcheck.Test");
        badCreate("", "{\"Image\":\"busybox\",\"Volumes\":[\"/data\"]}", 400, "Volumes");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":[]}", 400, "HostConfig");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":\"lots\"}}", 400, "HostConfig.Memory");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":99999999999999999999999}}", 400, "HostConfig.Memory");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"NanoCpus\":1e400}}", 400, "HostConfig.NanoCpus");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"CpuShares\":1.5}}", 400, "HostConfig.CpuShares");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":\"/a:/b\"}}", 400, "HostConfig.Binds");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[5]}}", 400, "HostConfig.Binds[0]");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":\"always\"}}", 400, "HostConfig.RestartPolicy");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":5}}}", 400, "HostConfig.RestartPolicy.Name");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":\"abc\"}]}}", 400, "HostConfig.Ulimits[0].Soft");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Tmpfs\":{\"/t\":1}}}", 400, "HostConfig.Tmpfs");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"CapAdd\":\"ALL\"}}", 400, "HostConfig.CapAdd");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":{}}}", 400, "HostConfig.Mounts");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":\"no\"}}", 400, "HostConfig.Privileged");
        // a body nested deeper than any parser's stack
        badCreate("", "{\"Image\":\"busybox\",\"X\":" + "[".repeat(1_000_000), 400, "nested");
        // a number as a name, an empty body
        badCreate("", "", 400, "No image specified");
        badCreate("", "{\"Image\":\"\"}", 400, "No image specified");
    }

    /**
     * Every field of docker's Config and HostConfig with values of every JSON kind: a create is a 201 or a
     * 4xx, never a 500, and what was created starts or is refused with a 4xx, never a 500.
     */
    @Test
    void everyFieldWithEveryKind_neverA500() throws Exception {
        List<String> config = List.of("Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
                "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Volumes", "WorkingDir", "Entrypoint",
                "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell", "NetworkingConfig");
        List<String> host = List.of("Binds", "ContainerIDFile", "LogConfig", "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove",
                "VolumeDriver", "VolumesFrom", "ConsoleSize", "Annotations", "CapAdd", "CapDrop", "CgroupnsMode", "Dns", "DnsOptions",
                "DnsSearch", "ExtraHosts", "GroupAdd", "IpcMode", "Cgroup", "Links", "OomScoreAdj", "PidMode", "Privileged",
                "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt", "StorageOpt", "Tmpfs", "UTSMode", "UsernsMode", "ShmSize", "Sysctls",
                "Runtime", "Isolation", "CpuShares", "Memory", "NanoCpus", "CgroupParent", "BlkioWeight", "BlkioWeightDevice",
                "BlkioDeviceReadBps", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems",
                "Devices", "DeviceCgroupRules", "DeviceRequests", "KernelMemoryTCP", "MemoryReservation", "MemorySwap",
                "MemorySwappiness", "OomKillDisable", "PidsLimit", "Ulimits", "Init", "Mounts", "MaskedPaths", "ReadonlyPaths");
        List<String> values = List.of("5", "-1", "1.5", "1e400", "\"x\"", "\"\"", "true", "[]", "[1]", "[\"x\"]", "[{}]", "{}", "{\"a\":1}",
                "{\"a\":\"b\"}", "null", "[null]");
        int created = 0, refused = 0;
        List<String> faults = new ArrayList<>();
        for (String field : concat(config, host)) {
            for (String v : values) {
                String body = host.contains(field) && !config.contains(field)
                        ? "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"" + field + "\":" + v + "}}"
                        : "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"" + field + "\":" + v + "}";
                var r = send("POST", "/containers/create", body);
                if (!List.of(201, 400, 404, 409).contains(r.status()) || r.text().contains("Exception")) faults.add(body + " -> " + r.status() + " " + r.text());
                if (r.status() != 201) {
                    refused++;
                    continue;
                }
                created++;
                String id = dev.berth.oci.json.Json.parseObject(r.text(), "reply").string("Id");
                var start = send("POST", "/containers/" + id + "/start", null);
                if (!List.of(204, 400, 404, 409).contains(start.status()) || start.text().contains("Exception")) {
                    faults.add("start of " + body + " -> " + start.status() + " " + start.text());
                }
                var rm = send("DELETE", "/containers/" + id + "?force=1&v=1", null);
                // 404: AutoRemove was quicker
                if (rm.status() != 204 && rm.status() != 404) faults.add("rm of " + body + " -> " + rm.status() + " " + rm.text());
            }
        }
        System.out.println("every field with every kind: " + created + " created, " + refused + " refused");
        assertThat(faults).isEmpty();
        assertThat(d.leaks(List.of())).isEmpty();
    }

    /** The other JSON bodies (exec create, volume create) with every field of every kind: never a 500. */
    @Test
    void execAndVolumeBodies_neverA500() throws Exception {
        create("fx", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}");
        assertThat(send("POST", "/containers/fx/start", null).status()).isEqualTo(204);
        List<String> values = List.of("5", "-1", "1e400", "\"x\"", "\"\"", "true", "[]", "[1]", "[\"x\"]", "{}", "{\"a\":1}", "null", "[null]");
        List<String> faults = new ArrayList<>();
        for (String field : List.of("Cmd", "Env", "User", "WorkingDir", "Tty", "AttachStdin", "AttachStdout", "Privileged", "DetachKeys", "ConsoleSize")) {
            for (String v : values) {
                String body = "{\"Cmd\":[\"true\"],\"" + field + "\":" + v + "}";
                var r = send("POST", "/containers/fx/exec", body);
                if (r.status() >= 500 || r.text().contains("Exception")) faults.add("exec " + body + " -> " + r.status() + " " + r.text());
            }
        }
        for (String field : List.of("Name", "Labels", "Driver", "DriverOpts")) {
            for (String v : values) {
                String body = field.equals("Name") ? "{\"Name\":" + v + "}" : "{\"Name\":\"fz-vol\",\"" + field + "\":" + v + "}";
                var r = send("POST", "/volumes/create", body);
                if (r.status() >= 500 || r.text().contains("Exception")) faults.add("volume " + body + " -> " + r.status() + " " + r.text());
                if (r.status() == 201) send("DELETE", "/volumes/" + dev.berth.oci.json.Json.parseObject(r.text(), "v").string("Name"), null);
            }
        }
        assertThat(faults).isEmpty();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Unknown fields are ignored and nulls read as absent, as docker does: the container runs. */
    @Test
    void unknownFieldsAndNulls_accepted() throws Exception {
        String id = create(null, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"Bogus\":{\"a\":[1,2]},\"HostConfig\":{\"Nope\":true}}");
        var r = send("POST", "/containers/" + id + "/start", null);
        assertThat(r.status()).as(r.text()).isEqualTo(204);
    }

    @Test
    void nullsEverywhere_accepted() throws Exception {
        String id = create(null, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"Entrypoint\":null,\"Env\":null,\"Labels\":null,\"Volumes\":null,"
                + "\"Healthcheck\":null,\"ExposedPorts\":null,\"User\":null,\"WorkingDir\":null,\"Hostname\":null,\"Tty\":null,\"StopTimeout\":null,"
                + "\"HostConfig\":{\"Binds\":null,\"Memory\":null,\"NanoCpus\":null,\"RestartPolicy\":null,\"Ulimits\":null,\"Tmpfs\":null,"
                + "\"CapAdd\":null,\"Mounts\":null,\"PortBindings\":null,\"AutoRemove\":null,\"Privileged\":null,\"NetworkMode\":null}}");
        var r = send("POST", "/containers/" + id + "/start", null);
        assertThat(r.status()).as(r.text()).isEqualTo(204);
        var w = send("POST", "/containers/" + id + "/wait", null);
        assertThat(w.text()).contains("\"StatusCode\":0");
        // docker's strslice: a string Cmd is a one-element command
        String s = create(null, "{\"Image\":\"busybox\",\"Cmd\":\"true\"}");
        assertThat(send("POST", "/containers/" + s + "/start", null).status()).isEqualTo(204);
    }

    // ------------------------------------------------------------------ names, references, images

    @Test
    void invalidName_400() throws Exception {
        badCreate("?name=bad%20name!", "{\"Image\":\"busybox\"}", 400,
                "Invalid container name (bad name!), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        dockerFails(125, "Invalid container name (bad name!), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                "run", "--name", "bad name!", "busybox", "true");
    }

    @Test
    void invalidReference_400() throws Exception {
        badCreate("", "{\"Image\":\"UPPER/case\"}", 400, "invalid reference format");
        badCreate("", "{\"Image\":\"a b\"}", 400, "invalid reference format");
        badCreate("", "{\"Image\":\"busybox:bad tag!\"}", 400, "invalid reference format");
        dockerFails(125, "invalid reference format", "run", "UPPER/case");
    }

    @Test
    void unknownImage_404_andThePullFailsCleanly() throws Exception {
        badCreate("", "{\"Image\":\"nosuchimage\"}", 404, "No such image: nosuchimage:latest");
        // the CLI pulls on a 404: from a registry on a closed local port, which fails at once
        var r = dockerFails(125, "127.0.0.1:1/nosuch", "run", "127.0.0.1:1/nosuch", "true");
        assertThat(r.stderr()).contains("Unable to find image '127.0.0.1:1/nosuch:latest' locally");
        error(send("GET", "/images/nosuchimage/json", null), 404, "No such image: nosuchimage");
        error(send("DELETE", "/images/nosuchimage", null), 404, "No such image: nosuchimage");
    }

    // ------------------------------------------------------------------ unknown containers, states

    @Test
    void unknownContainer_404ForEveryVerb() throws Exception {
        String[][] calls = {
                {"GET", "/containers/x/json"}, {"POST", "/containers/x/start"}, {"POST", "/containers/x/stop"},
                {"POST", "/containers/x/restart"}, {"POST", "/containers/x/kill"}, {"POST", "/containers/x/pause"},
                {"POST", "/containers/x/unpause"}, {"POST", "/containers/x/rename?name=y"}, {"DELETE", "/containers/x"},
                {"POST", "/containers/x/wait"}, {"GET", "/containers/x/top"}, {"GET", "/containers/x/stats?stream=0"},
                {"GET", "/containers/x/logs?stdout=1"}, {"POST", "/containers/x/attach?stream=1&stdout=1"},
                {"POST", "/containers/x/resize?h=10&w=10"}, {"POST", "/containers/x/exec"},
        };
        for (String[] c : calls) {
            String body = c[1].endsWith("/exec") ? "{\"Cmd\":[\"true\"]}" : null;
            error(send(c[0], "/v1.50" + c[1], body), 404, "No such container: x");
        }
        error(send("GET", "/exec/nope/json", null), 404, "No such exec instance: nope");
        error(send("GET", "/volumes/nope", null), 404, "no such volume");
        for (String verb : List.of("start", "stop", "restart", "kill", "pause", "unpause", "rm", "inspect", "logs", "top", "wait", "port")) {
            var r = docker.run(verb, "x");
            assertThat(r.exit()).as(r.output()).isNotZero();
            // inspect looks across object kinds, as docker's does
            assertThat(r.stderr()).as(r.output()).contains(verb.equals("inspect") ? "No such object: x" : "No such container: x");
            clean(r.output());
        }
    }

    @Test
    void nameConflict_409_startRunning304_stopStopped304() throws Exception {
        String id = create("dup", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}");
        badCreate("?name=dup", "{\"Image\":\"busybox\"}", 409, "Conflict. The container name \"/dup\" is already in use by container \"" + id + "\"");
        dockerFails(125, "is already in use", "run", "--name", "dup", "busybox", "true");
        var st = send("POST", "/containers/dup/stop", null);
        assertThat(st.status()).isEqualTo(304);
        assertThat(send("POST", "/containers/dup/start", null).status()).isEqualTo(204);
        var again = send("POST", "/containers/dup/start", null);
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        error(send("DELETE", "/containers/dup", null), 409, "container is running");
        assertThat(send("POST", "/containers/dup/stop?t=xyz", null).status()).isEqualTo(400);
        assertThat(send("POST", "/containers/dup/stop?t=0", null).status()).isEqualTo(204);
        assertThat(send("POST", "/containers/dup/stop", null).status()).isEqualTo(304);
    }

    // ------------------------------------------------------------------ flag values

    @Test
    void badResourceValues_400() throws Exception {
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":-5}}", 400, "Minimum memory limit allowed is 6MB");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":1000}}", 400, "Minimum memory limit allowed is 6MB");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"NanoCpus\":-1000000000}}", 400, "Range of CPUs is from 0.01 to");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"CpuShares\":-3}}", 400, "CpuShares");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"ShmSize\":-1}}", 400, "SHM size can not be less than 0");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Ulimits\":[{\"Name\":\"bogus\",\"Soft\":1,\"Hard\":1}]}}", 400, "invalid ulimit type: bogus");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":10,\"Hard\":5}]}}", 400, "ulimit");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"bogus\"}}}", 400, "invalid restart policy");
        dockerFails(125, "Range of CPUs is from 0.01 to", "run", "--cpus", "-1", "busybox", "true");
        // the CLI refuses these itself, before any request
        docker("--memory", "-5");
        docker("--pids-limit", "garbage");
        docker("--ulimit", "nofile=abc");
        dockerFails(125, "restart", "run", "--restart", "bogus", "busybox", "true");
    }

    /** A flag the CLI refuses itself: exit 125, its own message, nothing reaches the daemon. */
    void docker(String flag, String value) throws Exception {
        var r = dockerFails(125, value, "run", flag, value, "busybox", "true");
        assertThat(r.stderr()).contains("invalid argument");
    }

    @Test
    void badMounts_400_nothingLeft() throws Exception {
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"/a:rel\"]}}", 400,
                "invalid volume specification: '/a:rel'");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"nodest\"]}}", 400, "invalid volume specification: 'nodest'");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"/a:/b:bogus\"]}}", 400, "invalid mode: bogus");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"/a:/\"]}}", 400, "destination can't be '/'");
        // an anonymous volume would be made before the bad bind: nothing of it may stay
        badCreate("", "{\"Image\":\"busybox\",\"Volumes\":{\"/data\":{}},\"HostConfig\":{\"Binds\":[\"/a:/b\",\"/c:rel\"]}}", 400, "rel");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"nope\",\"Target\":\"/x\"}]}}", 400,
                "invalid mount config for type \"nope\": mount type unknown");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"" + tmp.resolve("missing") + "\",\"Target\":\"/x\"}]}}",
                400, "bind source path does not exist: " + tmp.resolve("missing"));
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"rel\",\"Target\":\"/x\"}]}}",
                400, "invalid mount config for type \"bind\"");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Tmpfs\":{\"rel\":\"\"}}}", 400, "invalid mount path: 'rel' mount path must be absolute");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Tmpfs\":{\"/t\":\"bogus\"}}}", 400, "Invalid tmpfs option");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Tmpfs\":{\"/t\":\"size=abc\"}}}", 400, "size=abc");
        dockerFails(125, "invalid volume specification: '/a:rel'", "run", "-v", "/a:rel", "busybox", "true");
        dockerFails(125, "nope", "run", "--mount", "type=nope,target=/x", "busybox", "true");
        dockerFails(125, "bind source path does not exist", "run", "--mount", "type=bind,source=" + tmp.resolve("missing") + ",target=/x", "busybox", "true");
        dockerFails(125, "Invalid tmpfs option", "run", "--tmpfs", "/t:bogus", "busybox", "true");
        assertThat(Files.exists(tmp.resolve("missing"))).isFalse();
        assertThat(d.daemon.engine().volumes().list()).as("volumes").isEmpty();
    }

    /** What the checks let through still works: --mount of each local type, read-only, tmpfs size and mode. */
    @Test
    void validMounts_work() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("f"), "from the host\n");
        var r = docker.run("run", "--rm", "--mount", "type=bind,source=" + src + ",target=/m,readonly",
                "--mount", "type=tmpfs,target=/t,tmpfs-size=1048576,tmpfs-mode=1770", "--mount", "type=volume,target=/v",
                "busybox", "sh", "-c", "cat /m/f; grep ' /t ' /proc/mounts; touch /v/ok && touch /m/x || echo read-only");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.stdout()).startsWith("from the host\n").contains("size=1024k").contains("mode=1770").endsWith("read-only\n");
        assertThat(Files.exists(src.resolve("x"))).isFalse();
        assertThat(d.daemon.engine().volumes().list()).as("the anonymous volume went with --rm").isEmpty();
    }

    /** The CLI sends a --security-opt seccomp profile inline (it was read as a path, a 500 at start). */
    @Test
    void seccompProfileInline_applies() throws Exception {
        Path profile = tmp.resolve("profile.json");
        Files.writeString(profile, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
        var r = docker.run("run", "--rm", "--security-opt", "seccomp=" + profile, "busybox", "sh", "-c", "mkdir /x || echo refused");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.stdout()).isEqualTo("refused\n");
        assertThat(r.stderr()).contains("Operation not permitted");
    }

    @Test
    void badConfigValues_400() throws Exception {
        badCreate("", "{\"Image\":\"busybox\",\"WorkingDir\":\"rel\"}", 400, "the working directory 'rel' is invalid, it needs to be an absolute path");
        badCreate("", "{\"Image\":\"busybox\",\"Env\":[\"=x\"]}", 400, "invalid environment variable: =x");
        badCreate("", "{\"Image\":\"busybox\",\"StopSignal\":\"SIGNOPE\"}", 400, "Invalid signal: SIGNOPE");
        badCreate("", "{\"Image\":\"busybox\",\"Volumes\":{\"rel\":{}}}", 400, "invalid mount path: 'rel' mount path must be absolute");
        badCreate("", "{\"Image\":\"busybox\",\"Entrypoint\":[]}", 400, "No command specified");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"CapAdd\":[\"BOGUS\"]}}", 400, "unknown capability: \"CAP_BOGUS\"");
        badCreate("", "{\"Image\":\"busybox\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Retries\":-1}}", 400, "Retries");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"SecurityOpt\":[\"bogus\"]}}", 400, "invalid --security-opt 1: \"bogus\"");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"SecurityOpt\":[\"seccomp={nope\"]}}", 400, "Decoding seccomp profile failed");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"CpusetCpus\":\"abc\"}}", 400, "Invalid value abc for cpuset cpus");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"CpusetCpus\":\"0-999\"}}", 400, "Requested CPUs are not available - requested 0-999");
        badCreate("", "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":10485760,\"MemorySwap\":7340032}}", 400,
                "Minimum memoryswap limit should be larger than memory limit");
        dockerFails(125, "Invalid value abc for cpuset cpus", "run", "--cpuset-cpus", "abc", "busybox", "true");
        dockerFails(125, "the working directory 'rel' is invalid", "run", "-w", "rel", "busybox", "true");
        dockerFails(125, "unknown capability", "run", "--cap-add", "BOGUS", "busybox", "true");
        dockerFails(125, "Invalid signal", "run", "--stop-signal", "SIGNOPE", "busybox", "true");
    }

    /** A failed start leaves the created container (row, snapshot, dir), but no mount, cgroup or process. */
    void startLeftOnlyTheContainer(String id) throws Exception {
        assertThat(d.leaks(List.of(id))).as("after the failed start").allMatch(l -> l.startsWith("container row " + id)
                || l.startsWith("snapshot " + id) || l.startsWith("container dir ") && l.endsWith(id));
    }

    @Test
    void unknownUser_errorAtStartNamingIt() throws Exception {
        String id = create(null, "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"User\":\"nosuchuser\"}");
        error(send("POST", "/containers/" + id + "/start", null), 400, "unable to find user nosuchuser");
        startLeftOnlyTheContainer(id);
        var r = docker.run("run", "--user", "nosuchuser2", "busybox", "true");
        assertThat(r.exit()).as(r.output()).isEqualTo(125);
        assertThat(r.stderr()).contains("unable to find user nosuchuser2");
        clean(r.output());
    }

    @Test
    void missingEntrypoint_400AtStart_exit127() throws Exception {
        String id = create(null, "{\"Image\":\"busybox\",\"Entrypoint\":[\"nosuchcmd\"]}");
        error(send("POST", "/containers/" + id + "/start", null), 400, "exec: \"nosuchcmd\": executable file not found in $PATH");
        startLeftOnlyTheContainer(id);
        var inspect = dev.berth.oci.json.Json.parseObject(send("GET", "/containers/" + id + "/json", null).text(), "inspect");
        assertThat(inspect.object("State").longValue("ExitCode", -1)).isEqualTo(127);
        assertThat(inspect.object("State").string("Error")).contains("executable file not found in $PATH");
        var r = docker.run("run", "--entrypoint", "nosuchcmd2", "busybox");
        assertThat(r.exit()).as(r.output()).isEqualTo(127);
        assertThat(r.stderr()).contains("exec: \"nosuchcmd2\": executable file not found in $PATH");
        clean(r.output());
        // with --rm the container that could not start is removed, which docker run waits for
        int before = d.daemon.engine().list(true).size();
        var rm = docker.run("run", "--rm", "--entrypoint", "/no/such/file", "busybox");
        assertThat(rm.exit()).as(rm.output()).isEqualTo(127);
        assertThat(rm.stderr()).contains("exec: \"/no/such/file\": stat /no/such/file: no such file or directory");
        var rmUser = docker.run("run", "--rm", "--user", "nosuchuser3", "busybox", "true");
        assertThat(rmUser.exit()).as(rmUser.output()).isEqualTo(125);
        assertThat(rmUser.stderr()).contains("unable to find user nosuchuser3");
        assertThat(d.daemon.engine().list(true)).hasSize(before);
    }

    /** The other endpoints that take a body or a name: volumes, exec, rename, tag, pull. */
    @Test
    void otherEndpoints_badBodiesAndNames() throws Exception {
        error(send("POST", "/volumes/create", "{\"Name\":5}"), 400, "Name");
        error(send("POST", "/volumes/create", "{\"Name\":\"ok-name\",\"Labels\":[]}"), 400, "Labels");
        error(send("POST", "/volumes/create", "{\"Name\":\"bad name\"}"), 400, "\"bad name\" includes invalid characters for a local volume name");
        error(send("POST", "/volumes/create", "{\"Name\":"), 400, "request body");
        assertThat(d.daemon.engine().volumes().list()).isEmpty();
        String id = create("ex", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}");
        assertThat(send("POST", "/containers/ex/start", null).status()).isEqualTo(204);
        error(send("POST", "/containers/ex/exec", "{\"Cmd\":5}"), 400, "Cmd");
        error(send("POST", "/containers/ex/exec", "{\"Cmd\":[]}"), 400, "No exec command specified");
        error(send("POST", "/containers/ex/exec", "{\"Cmd\":[\"true\"],\"Tty\":\"yes\"}"), 400, "Tty");
        error(send("POST", "/exec/nope/start", "{}"), 404, "No such exec instance: nope");
        error(send("POST", "/containers/ex/rename?name=bad%20name!", null), 400, "Invalid container name (bad name!)");
        error(send("POST", "/containers/ex/resize?h=abc&w=10", null), 400, "h");
        error(send("POST", "/images/busybox/tag?repo=UPPER", null), 400, "invalid reference format: repository name (library/UPPER) must be lowercase");
        error(send("POST", "/images/nosuch/tag?repo=ok", null), 404, "No such image: nosuch");
        error(send("POST", "/images/create?fromImage=UPPER/case", null), 400, "invalid reference format");
        error(send("POST", "/images/create?fromImage=a%20b&tag=latest", null), 400, "invalid reference format");
        assertThat(d.leaks(made)).anyMatch(l -> l.startsWith("container row " + id)); // the leak check sees it
    }

    // ------------------------------------------------------------------ query, paths, headers

    @Test
    void badQueryValues() throws Exception {
        String id = create("qq", "{\"Image\":\"busybox\",\"Cmd\":[\"echo\",\"hi\"]}");
        assertThat(send("GET", "/containers/json?all=maybe", null).status()).isEqualTo(200); // moby: anything but false/0/no/none is true
        error(send("GET", "/containers/qq/logs?stdout=1&tail=abc", null), 400, "tail");
        error(send("POST", "/containers/qq/stop?t=xyz", null), 400, "t");
        error(send("GET", "/containers/json?limit=many", null), 400, "limit");
        error(send("GET", "/containers/json?filters=%7Bbad", null), 400, "filters");
        error(send("POST", "/containers/qq/wait?condition=bogus", null), 400, "condition");
        error(send("POST", "/containers/qq/kill?signal=NOPE", null), 400, "Invalid signal: NOPE");
        error(send("GET", "/events?since=abc", null), 400, "since");
        // the CLI sends seconds.nanoseconds for --since 1m: a timestamp, not bad input
        var events = docker.run("events", "--since", "1m", "--until", "0s", "--filter", "container=qq");
        assertThat(events.exit()).as(events.output()).isZero();
        assertThat(events.stdout()).contains("container create " + id);
        assertThat(id).isNotEmpty();
    }

    /** Verbs right after a kill, while the exit is being recorded: 409 (or done), never a 500. */
    @Test
    void verbsRacingAnExit_409NotA500() throws Exception {
        List<String> faults = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = create(null, "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}");
            assertThat(send("POST", "/containers/" + id + "/start", null).status()).isEqualTo(204);
            if (i % 2 == 1) send("POST", "/containers/" + id + "/pause", null);
            try (RawClient c = RawClient.connect(d.socket)) {
                c.write("POST /containers/" + id + "/kill HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n"
                        + "POST /containers/" + id + "/pause HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n"
                        + "POST /containers/" + id + "/unpause HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n"
                        + "POST /containers/" + id + "/kill HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n"
                        + "GET /containers/" + id + "/top HTTP/1.1\r\nHost: d\r\n\r\n"
                        + "POST /containers/" + id + "/exec HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"Cmd\":[\"true\"]}"
                        + "GET /containers/" + id + "/stats?stream=0 HTTP/1.1\r\nHost: d\r\n\r\n"
                        + "POST /containers/" + id + "/stop?t=0 HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n"
                        + "POST /containers/" + id + "/restart?t=0 HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n"
                        + "DELETE /containers/" + id + "?force=1 HTTP/1.1\r\nHost: d\r\n\r\n");
                for (int k = 0; k < 10; k++) {
                    var r = c.read(false);
                    if (r.status() >= 500) faults.add(k + ": " + r.status() + " " + r.text());
                }
            }
        }
        assertThat(faults).isEmpty();
    }

    /** Every query parameter of the container, image, volume and event endpoints with junk: never a 500. */
    @Test
    void everyQueryParameterWithJunk_neverA500() throws Exception {
        create("fz", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}");
        assertThat(send("POST", "/containers/fz/start", null).status()).isEqualTo(204);
        String[][] endpoints = {
                {"GET", "/containers/json", "all", "limit", "size", "filters"},
                {"GET", "/containers/fz/json", "size"},
                {"GET", "/containers/fz/logs?stdout=1", "follow=0&x", "stderr", "since", "until", "timestamps", "tail"},
                {"GET", "/containers/fz/top", "ps_args"},
                {"GET", "/containers/fz/stats?stream=0", "one-shot"},
                {"POST", "/containers/fz/resize", "h", "w"},
                {"POST", "/containers/fz/kill", "signal"},
                {"POST", "/containers/fz/pause", "x"},
                {"POST", "/containers/fz/unpause", "x"},
                {"POST", "/containers/fz/rename", "name"},
                {"POST", "/containers/fz/wait", "condition"},
                {"POST", "/containers/fz/restart", "t", "signal"},
                {"POST", "/containers/fz/stop", "t", "signal"},
                {"GET", "/images/json", "all", "filters", "digests", "shared-size"},
                {"GET", "/images/busybox/json", "x"},
                {"GET", "/images/busybox/history", "x"},
                {"POST", "/images/busybox/tag", "repo", "tag"},
                {"DELETE", "/images/nosuch", "force", "noprune"},
                {"GET", "/volumes", "filters"},
                {"POST", "/volumes/prune", "filters"},
                {"GET", "/events?until=1", "since", "filters"},
                {"POST", "/containers/prune?filters=%7B%22label%22%3A%5B%22nothing%3Dhere%22%5D%7D", "x"},
                {"GET", "/info", "x"}, {"GET", "/version", "x"}, {"GET", "/_ping", "x"},
        };
        List<String> junk = List.of("abc", "-1", "99999999999999999999", "", "%7B", "%00", "1.5", "%E2%82%AC");
        List<String> faults = new ArrayList<>();
        for (String[] e : endpoints) {
            for (int i = 2; i < e.length; i++) {
                for (String v : junk) {
                    String target = e[1] + (e[1].contains("?") ? "&" : "?") + e[i] + "=" + v;
                    var r = send(e[0], target, e[0].equals("GET") ? null : "");
                    if (r.status() >= 500 || r.text().contains("Exception")) faults.add(e[0] + " " + target + " -> " + r.status() + " " + r.text());
                }
            }
        }
        assertThat(faults).isEmpty();
    }

    @Test
    void unknownEndpoint_404_badVersion_400_hugeHeaders_431() throws Exception {
        error(send("GET", "/v1.50/nothing/here", null), 404, "page not found");
        error(send("PUT", "/v1.50/containers/json", null), 404, "page not found");
        error(send("GET", "/v9.99/containers/json", null), 400, "client version 9.99 is too new. Maximum supported API version is 1.50");
        error(send("GET", "/v1.0/containers/json", null), 400, "client version 1.0 is too old. Minimum supported API version is 1.24");
        try (RawClient c = RawClient.connect(d.socket)) {
            try {
                c.write("GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Big: " + "a".repeat(2 * 1024 * 1024) + "\r\n\r\n");
            } catch (IOException closedEarly) {
                // the server answers at the limit and closes: the reply is waiting
            }
            error(c.read(false), 431, "request head larger than");
        }
        try (RawClient c = RawClient.connect(d.socket)) {
            c.write("POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n\r\n{\"Image\":\"busybox\"}");
            error(c.read(false), 400, "unsupported Content-Type header (text/plain): must be 'application/json'");
        }
        try (RawClient c = RawClient.connect(d.socket)) {
            c.write("GARBAGE\r\n\r\n");
            error(c.read(false), 400, "malformed HTTP request");
        }
        try (RawClient c = RawClient.connect(d.socket)) { // a body shorter than its Content-Length, then the client leaves
            c.write("POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 100\r\n\r\n{\"Image\":");
        }
        assertThat(send("GET", "/_ping", null).status()).isEqualTo(200);
        assertThat(new String(send("GET", "/_ping", null).body(), StandardCharsets.UTF_8)).isEqualTo("OK");
    }
}
