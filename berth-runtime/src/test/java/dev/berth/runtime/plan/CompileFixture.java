package dev.berth.runtime.plan;

import dev.berth.oci.runtime.RuntimeSpecReader;
import dev.berth.runtime.plan.Plan.Entry;
import dev.berth.runtime.plan.Plan.Op;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Compiles config.json text against a bundle with an empty rootfs; nothing here touches the kernel. */
final class CompileFixture {
    static final String RUNC_NAMESPACES = "[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]";
    static final Path CGROUP = Path.of("/sys/fs/cgroup/berth/c1");

    final Path bundle;
    final List<String> warnings = new ArrayList<>();
    Map<String, Path> cgroupDirs = Map.of("unified", CGROUP);
    boolean cgroupUnified = true;
    byte[] seccomp;
    int seccompFlags;

    CompileFixture(Path bundle) throws IOException {
        this.bundle = bundle;
        Files.createDirectories(bundle.resolve("rootfs"));
    }

    Path rootfs() throws IOException {
        return bundle.resolve("rootfs").toRealPath();
    }

    /**
     * A config.json: {@code process} fields are added to args ["sh","-c","echo hi"], env ["PATH=/bin"], cwd "/";
     * {@code linux} fields to the namespaces given; {@code top} fields at the top level. Empty strings add nothing.
     */
    static String config(String process, String namespaces, String linux, String top) {
        return "{" + join("\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}",
                "\"process\":{" + join("\"args\":[\"sh\",\"-c\",\"echo hi\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\"", process) + "}",
                "\"linux\":{" + join("\"namespaces\":" + namespaces, linux) + "}",
                top) + "}";
    }

    static String config(String process) {
        return config(process, RUNC_NAMESPACES, "", "");
    }

    private static String join(String... parts) {
        return Stream.of(parts).filter(s -> !s.isEmpty()).collect(Collectors.joining(","));
    }

    Io io;

    Plan compile(String json) throws IOException {
        var spec = RuntimeSpecReader.parse(json, bundle.resolve("config.json").toString());
        var in = new PlanCompiler.Input("c1", bundle, spec, bundle.resolve("state"), null,
                List.of(CGROUP.resolve("cgroup.procs")), cgroupDirs, cgroupUnified, seccomp, seccompFlags, io);
        return PlanCompiler.create(in, warnings::add);
    }

    static List<Op> ops(Plan p) {
        return p.entries().stream().map(Entry::op).toList();
    }

    static int first(Plan p, Op op) {
        int i = ops(p).indexOf(op);
        if (i < 0) throw new AssertionError(op + " not in plan " + ops(p));
        return i;
    }

    static int last(Plan p, Op op) {
        int i = ops(p).lastIndexOf(op);
        if (i < 0) throw new AssertionError(op + " not in plan " + ops(p));
        return i;
    }

    static Entry entry(Plan p, Op op) {
        return p.entries().get(first(p, op));
    }

    static List<Entry> all(Plan p, Op op) {
        return p.entries().stream().filter(e -> e.op() == op).toList();
    }

    static List<Integer> indexes(Plan p, Op op) {
        List<Op> ops = ops(p);
        return IntStream.range(0, ops.size()).filter(i -> ops.get(i) == op).boxed().toList();
    }

    /** The C_MOUNT entries whose step starts with the prefix, e.g. "mount /sys/fs/cgroup". */
    static List<Entry> mounts(Plan p, String stepPrefix) {
        return all(p, Op.C_MOUNT).stream().filter(e -> e.step().startsWith(stepPrefix)).toList();
    }

    static long[] n(long... v) {
        return v;
    }
}
