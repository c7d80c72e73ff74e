package dev.berth.runtime.it;

import dev.berth.oci.json.Json;
import dev.berth.runtime.BusyboxBundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A busybox bundle for one test: runc's default config with the process replaced by a shell script, the host
 * directory {@code out} bound read-write at /out (so checks inside the container leave their results where the
 * test reads them, whichever runtime ran them), and a cgroup under /berth-test.
 */
final class TestBundle {
    final Path dir;
    final Path out;
    final String id;
    final Map<String, Object> config;

    private TestBundle(Path dir, String id) throws IOException {
        this.dir = dir;
        this.id = id;
        this.out = Files.createDirectories(dir.resolve("out"));
        Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        BusyboxBundle.create(dir, List.of("true"));
        Files.createDirectories(dir.resolve("rootfs/out")); // made here: a user-namespace root may not write the rootfs
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("config.json")), "config.json");
        this.config = c;
        process().put("terminal", false);
        linux().put("cgroupsPath", "/berth-test/" + id);
        mounts().add(Json.obj("destination", "/out", "type", "bind", "source", out.toString(), "options", new ArrayList<>(List.of("rbind", "rw"))));
    }

    static TestBundle create(Path tmp, String prefix) throws IOException {
        String id = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        return new TestBundle(Files.createDirectories(tmp.resolve(id)), id);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> process() {
        return (Map<String, Object>) config.get("process");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> linux() {
        return (Map<String, Object>) config.get("linux");
    }

    @SuppressWarnings("unchecked")
    List<Object> mounts() {
        return (List<Object>) config.get("mounts");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> resources() {
        return (Map<String, Object>) linux().computeIfAbsent("resources", k -> Json.obj());
    }

    /** The process becomes {@code sh -c SCRIPT}. */
    TestBundle script(String script) throws IOException {
        process().put("args", List.of("sh", "-c", script));
        return write();
    }

    TestBundle write() throws IOException {
        Files.writeString(dir.resolve("config.json"), Json.writePretty(config));
        return this;
    }

    /** What the container wrote to /out/NAME. */
    String read(String name) throws IOException {
        Path p = out.resolve(name);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** Like {@link #read}, for lambdas: no checked exception. */
    String read0(String name) {
        try {
            return read(name);
        } catch (IOException e) {
            return "";
        }
    }

    /** The same bundle under a new id (a runtime keeps state per id), sharing the rootfs. */
    TestBundle fresh(Path tmp) throws IOException {
        TestBundle b = create(tmp, id.substring(0, id.lastIndexOf('-')));
        b.config.clear();
        b.config.putAll(config);
        b.linux().put("cgroupsPath", "/berth-test/" + b.id);
        List<Object> mounts = new ArrayList<>(b.mounts());
        mounts.removeIf(m -> ((Map<?, ?>) m).get("destination").equals("/out"));
        mounts.add(Json.obj("destination", "/out", "type", "bind", "source", b.out.toString(), "options", List.of("rbind", "rw")));
        b.config.put("mounts", mounts);
        return b.write();
    }
}
