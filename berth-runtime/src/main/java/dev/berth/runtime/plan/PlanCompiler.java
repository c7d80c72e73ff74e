package dev.berth.runtime.plan;

import dev.berth.oci.json.Json;
import dev.berth.oci.runtime.RuntimeSpec;
import dev.berth.oci.runtime.RuntimeSpec.Device;
import dev.berth.oci.runtime.RuntimeSpec.Hook;
import dev.berth.oci.runtime.RuntimeSpec.IdMapping;
import dev.berth.oci.runtime.RuntimeSpec.Mount;
import dev.berth.oci.runtime.RuntimeSpec.Namespace;
import dev.berth.runtime.plan.Plan.Op;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static dev.berth.runtime.plan.MountOptions.*;

/**
 * Compiles a validated config.json into the {@link Plan} the shim carries out. Everything that needs a
 * decision happens here, in Java: which namespaces to create or join, where each mount lands inside the rootfs
 * (symlinks resolved within it), which device nodes to make, the capability masks, the order of the security
 * steps. The order follows runc's: mounts, devices, pivot_root, masks, hostname, sysctls, rlimits, seccomp
 * (early unless no_new_privs), credentials and capabilities, then wait for {@code start}, then exec.
 */
public final class PlanCompiler {
    /**
     * Everything create needs besides the spec: where the container's state lives and what the host has made.
     * io: managed stdio (the monitor logs and serves attach clients; no console socket), or null.
     */
    public record Input(
            String id, Path bundle, RuntimeSpec spec, Path stateDir, String consoleSocket,
            List<Path> cgroupProcs, Map<String, Path> cgroupDirs, boolean cgroupUnified,
            byte[] seccompFilter, int seccompFlags, Io io) {
        public Input(String id, Path bundle, RuntimeSpec spec, Path stateDir, String consoleSocket, List<Path> cgroupProcs,
                     Map<String, Path> cgroupDirs, boolean cgroupUnified, byte[] seccompFilter, int seccompFlags) {
            this(id, bundle, spec, stateDir, consoleSocket, cgroupProcs, cgroupDirs, cgroupUnified, seccompFilter, seccompFlags, null);
        }
    }

    /**
     * An exec into a running container: its init pid, its namespaces and cgroup, the new process. io: managed
     * stdio, or null; waitForStart: the process waits on exec.fifo in stateDir before its execve, as create does, so
     * that the caller can attach first.
     */
    public record ExecInput(
            int containerPid, Path rootfs, List<Namespace> namespaces, RuntimeSpec.Process process, Path stateDir, String consoleSocket,
            List<Path> cgroupProcs, byte[] seccompFilter, int seccompFlags, Io io, boolean waitForStart) {
        public ExecInput(int containerPid, Path rootfs, List<Namespace> namespaces, RuntimeSpec.Process process, Path stateDir,
                         String consoleSocket, List<Path> cgroupProcs, byte[] seccompFilter, int seccompFlags) {
            this(containerPid, rootfs, namespaces, process, stateDir, consoleSocket, cgroupProcs, seccompFilter, seccompFlags, null, false);
        }
    }

    private static final long S_IFCHR = 0020000, S_IFBLK = 0060000, S_IFIFO = 0010000;
    private static final List<Device> DEFAULT_DEVICES = List.of(
            new Device("c", "/dev/null", 1, 3, 0666, 0L, 0L), new Device("c", "/dev/zero", 1, 5, 0666, 0L, 0L),
            new Device("c", "/dev/full", 1, 7, 0666, 0L, 0L), new Device("c", "/dev/tty", 5, 0, 0666, 0L, 0L),
            new Device("c", "/dev/urandom", 1, 9, 0666, 0L, 0L), new Device("c", "/dev/random", 1, 8, 0666, 0L, 0L));

    private final Consumer<String> warn;
    private final Plan plan = new Plan();

    private PlanCompiler(Consumer<String> warn) {
        this.warn = warn;
    }

    public static Plan create(Input in, Consumer<String> warn) throws IOException {
        return new PlanCompiler(warn).compileCreate(in);
    }

    public static Plan exec(ExecInput in, Consumer<String> warn) {
        return new PlanCompiler(warn).compileExec(in);
    }

    private static long[] n(long... v) {
        return v;
    }

    private Plan compileCreate(Input in) throws IOException {
        RuntimeSpec spec = in.spec();
        if (spec.process() == null) throw new IllegalArgumentException(in.bundle().resolve("config.json") + ": process: required to create a container");
        RuntimeSpec.Linux linux = spec.linux();
        if (linux == null) throw new IllegalArgumentException(in.bundle().resolve("config.json") + ": linux: required on Linux");
        Path rootfs = in.bundle().resolve(spec.root().path()).normalize();
        if (!Files.isDirectory(rootfs)) throw new IllegalArgumentException(in.bundle().resolve("config.json") + ": root.path: " + rootfs + ": no such directory");
        rootfs = rootfs.toRealPath();

        long cloneFlags = 0;
        boolean newCgroupNs = false, newUts = false, newMount = false, newUser = false;
        Namespace joinUser = null;
        List<Namespace> joins = new ArrayList<>();
        for (Namespace ns : linux.namespaces()) {
            if (ns.path() != null && !ns.path().isEmpty()) {
                if (ns.type().equals("user")) joinUser = ns;
                else joins.add(ns);
                continue;
            }
            switch (ns.type()) {
                case "cgroup" -> newCgroupNs = true;
                case "time" -> throw new IllegalArgumentException("linux.namespaces: creating a time namespace is not supported");
                default -> cloneFlags |= Namespaces.flag(ns.type());
            }
            newUts |= ns.type().equals("uts");
            newMount |= ns.type().equals("mount");
            newUser |= ns.type().equals("user");
        }
        if (!newMount) throw new IllegalArgumentException("linux.namespaces: berth needs a new mount namespace to set up the rootfs");

        plan.add(Op.P_MODE, "mode", null, n(0));
        plan.add(Op.P_STATE_DIR, "state directory", null, n(), in.stateDir().toString());
        plan.add(Op.P_CLONE, "clone", null, n(cloneFlags, newCgroupNs ? 1 : 0));
        for (Namespace ns : joins) {
            if (ns.type().equals("pid")) plan.add(Op.P_JOIN_PID, "join pid namespace", ns.path(), n(), ns.path());
        }
        if (newUser) {
            plan.add(Op.P_UIDMAP, "write uid_map", null, n(), idMap(linux.uidMappings()));
            plan.add(Op.P_GIDMAP, "write gid_map", null, n(), idMap(linux.gidMappings()));
        }
        for (Path p : in.cgroupProcs()) plan.add(Op.P_CGROUP, "join cgroup", p.toString(), n(), p.toString());
        boolean terminal = spec.process().terminal();
        if (terminal && in.io() == null) plan.add(Op.P_CONSOLE, "console socket", in.consoleSocket(), n(), in.consoleSocket() == null ? "" : in.consoleSocket());
        io(in.io());
        RuntimeSpec.Hooks hooks = spec.hooks();
        if (!hooks.prestart().isEmpty() || !hooks.createRuntime().isEmpty() || !hooks.createContainer().isEmpty() || !hooks.startContainer().isEmpty()) {
            String state = Json.write(Json.obj("ociVersion", spec.ociVersion(), "id", in.id(), "status", "creating", "pid", 0,
                    "bundle", in.bundle().toString(), "annotations", spec.annotations()));
            int at = state.indexOf("\"pid\":0") + 6;
            plan.add(Op.P_STATE, "hook state", null, n(), state.substring(0, at), state.substring(at + 1));
        }
        for (Hook h : hooks.prestart()) hook(Op.P_HOOK, "prestart", h);
        for (Hook h : hooks.createRuntime()) hook(Op.P_HOOK, "createRuntime", h);

        // ---- in the child ----
        if (joinUser != null) join(joinUser);
        for (Namespace ns : joins) if (!ns.type().equals("pid") && !ns.type().equals("mount")) join(ns);
        for (Namespace ns : joins) if (ns.type().equals("mount")) join(ns);
        RuntimeSpec.Process proc = spec.process();
        if (proc.oomScoreAdj() != null) {
            plan.add(Op.C_WRITE, "set oom_score_adj", proc.oomScoreAdj().toString(), n(), "/proc/self/oom_score_adj", proc.oomScoreAdj().toString());
        }
        String prop = linux.rootfsPropagation();
        long rootProp = prop.isEmpty() || prop.contains("shared") ? MS_SLAVE | MS_REC : MountOptions.PROPAGATION.get(prop);
        mount("make / " + (prop.isEmpty() ? "rslave" : prop), null, "", "/", "", rootProp, "", 0, false);
        mount("bind rootfs", rootfs.toString(), rootfs.toString(), rootfs.toString(), "", MS_BIND | MS_REC, "", 0, false);

        boolean devBind = false, devPts = false;
        List<Mount> mounts = spec.mounts();
        for (int i = 0; i < mounts.size(); i++) {
            Mount m = mounts.get(i);
            Path target = SecurePath.resolve(rootfs, m.destination());
            MountOptions o = MountOptions.parse(m.options());
            String type = m.type() == null ? "" : m.type();
            String what = "mount " + m.destination();
            if (type.equals("bind") || o.bind()) {
                devBind |= m.destination().equals("/dev");
                bind(i, in.bundle(), m, target, o, what);
            } else if (type.equals("cgroup")) {
                cgroupMount(in, target, o, what, newCgroupNs);
            } else {
                devPts |= m.destination().equals("/dev/pts");
                mount(what, type + " on " + target, nz(m.source(), type), target.toString(), type, o.flags(), o.data(), 1, false);
                if (o.propagation() != 0) mount(what + " propagation", null, "", target.toString(), "", o.propagation(), "", 0, false);
            }
        }
        if (!devBind) devices(rootfs, linux.devices(), devPts);
        Path cwd = SecurePath.resolve(rootfs, proc.cwd());
        plan.add(Op.C_MKDIR, "create cwd", cwd.toString(), n(0755), cwd.toString());
        for (Hook h : hooks.createContainer()) hook(Op.C_HOOK, "createContainer", h);
        plan.add(Op.C_PIVOT, "pivot_root", "rootfs " + rootfs, n(), rootfs.toString());

        // sysctls go in while /proc/sys is still writable: readonlyPaths usually lists it
        for (Map.Entry<String, String> s : linux.sysctl().entrySet()) {
            String path = "/proc/sys/" + s.getKey().replace('.', '/');
            plan.add(Op.C_WRITE, "sysctl " + s.getKey(), path, n(), path, s.getValue());
        }
        for (String p : linux.maskedPaths()) plan.add(Op.C_MASK, "mask " + p, null, n(), p);
        for (String p : linux.readonlyPaths()) {
            mount("make " + p + " read-only", null, p, p, "", MS_BIND | MS_REC, "", 0, true);
            mount("make " + p + " read-only", null, p, p, "", MS_BIND | MS_REC | MS_REMOUNT | MS_RDONLY, "", 0, true);
        }
        if (spec.root().readonly()) mount("make / read-only", null, "", "/", "", MS_BIND | MS_REMOUNT | MS_RDONLY, "", 0, false);
        if (prop.contains("shared")) mount("make / " + prop, null, "", "/", "", MountOptions.PROPAGATION.get(prop), "", 0, false);
        if (spec.hostname() != null && !spec.hostname().isEmpty()) {
            if (!newUts) throw new IllegalArgumentException("hostname: setting it needs a new uts namespace");
            plan.add(Op.C_HOSTNAME, "sethostname", spec.hostname(), n(), spec.hostname());
        }
        if (spec.domainname() != null && !spec.domainname().isEmpty()) {
            if (!newUts) throw new IllegalArgumentException("domainname: setting it needs a new uts namespace");
            plan.add(Op.C_DOMAINNAME, "setdomainname", spec.domainname(), n(), spec.domainname());
        }
        hooksStart = hooks.startContainer();
        process(proc, in.seccompFilter(), in.seccompFlags(), true, in.stateDir(), rootfs);
        return plan;
    }

    private Plan compileExec(ExecInput in) {
        plan.add(Op.P_MODE, "mode", null, n(1));
        plan.add(Op.P_STATE_DIR, "state directory", null, n(), in.stateDir().toString());
        plan.add(Op.P_CLONE, "clone", null, n(0, 0));
        String ns = "/proc/" + in.containerPid() + "/ns/";
        boolean pid = in.namespaces().stream().anyMatch(x -> x.type().equals("pid"));
        if (pid) plan.add(Op.P_JOIN_PID, "join pid namespace", ns + "pid", n(), ns + "pid");
        for (Path p : in.cgroupProcs()) plan.add(Op.P_CGROUP, "join cgroup", p.toString(), n(), p.toString());
        if (in.process().terminal() && in.io() == null) plan.add(Op.P_CONSOLE, "console socket", in.consoleSocket(), n(), in.consoleSocket() == null ? "" : in.consoleSocket());
        io(in.io());
        for (String type : List.of("user", "ipc", "uts", "network", "cgroup", "mount")) {
            if (in.namespaces().stream().anyMatch(x -> x.type().equals(type))) {
                join(new Namespace(type, ns + Namespaces.procName(type)));
            }
        }
        waitForStart = in.waitForStart();
        process(in.process(), in.seccompFilter(), in.seccompFlags(), false, in.stateDir(), in.rootfs());
        return plan;
    }

    /** Managed stdio: the monitor's ops (shim.h, io.c). */
    private void io(Io io) {
        if (io == null) return;
        if (io.log() != null) plan.add(Op.P_LOG, "open the log", io.log().toString(), n(io.maxSize(), io.maxFiles()), io.log().toString());
        if (io.attachSocket() != null) plan.add(Op.P_ATTACH, "listen for attach clients", io.attachSocket().toString(), n(), io.attachSocket().toString());
        if (io.openStdin()) plan.add(Op.P_STDIN, "open stdin", null, n(io.stdinOnce() ? 1 : 0));
        if (io.controlSocket() != null) plan.add(Op.P_CONTROL, "listen for resize", io.controlSocket().toString(), n(), io.controlSocket().toString());
    }

    private boolean waitForStart;

    /** The process steps shared by create and exec: tty, rlimits, seccomp, credentials, capabilities, exec. */
    private void process(RuntimeSpec.Process p, byte[] seccomp, int seccompFlags, boolean create, Path stateDir, Path rootfs) {
        if (p.apparmorProfile() != null && !p.apparmorProfile().isEmpty()) warn.accept("process.apparmorProfile: AppArmor is not supported by berth; ignored");
        if (p.selinuxLabel() != null && !p.selinuxLabel().isEmpty()) warn.accept("process.selinuxLabel: SELinux is not supported by berth; ignored");
        if (p.terminal()) plan.add(Op.C_TTY, "allocate a terminal", null, n(p.user().uid(), p.user().gid()));
        for (RuntimeSpec.Rlimit r : p.rlimits()) {
            int res = Rlimits.number(r.type());
            if (res < 0) throw new IllegalArgumentException("process.rlimits: unknown rlimit " + r.type());
            plan.add(Op.C_RLIMIT, "setrlimit " + r.type(), null, n(res, r.soft(), r.hard()));
        }
        boolean nnp = p.noNewPrivileges();
        if (seccomp != null && !nnp) plan.addData(Op.C_SECCOMP, "load seccomp filter", n(seccompFlags), seccomp);
        RuntimeSpec.Capabilities c = p.capabilities();
        plan.add(Op.C_BOUNDING, "drop bounding capabilities", null, n(Capabilities.mask(c.bounding(), "process.capabilities.bounding", warn)));
        long[] creds = new long[2 + p.user().additionalGids().size()];
        creds[0] = p.user().uid();
        creds[1] = p.user().gid();
        for (int i = 0; i < p.user().additionalGids().size(); i++) creds[2 + i] = p.user().additionalGids().get(i);
        plan.add(Op.C_CREDS, "set user", "uid " + p.user().uid() + ", gid " + p.user().gid(), creds);
        plan.add(Op.C_CAPS, "set capabilities", null, n(
                Capabilities.mask(c.effective(), "process.capabilities.effective", warn),
                Capabilities.mask(c.permitted(), "process.capabilities.permitted", warn),
                Capabilities.mask(c.inheritable(), "process.capabilities.inheritable", warn),
                Capabilities.mask(c.ambient(), "process.capabilities.ambient", warn)));
        plan.add(Op.C_CHDIR, "chdir", p.cwd(), n(), p.cwd());
        plan.add(Op.C_UMASK, "umask", null, n(p.user().umask() == null ? 022 : p.user().umask()));
        if (nnp) plan.add(Op.C_NNP, "set no_new_privs", null, n());
        if (create || waitForStart) plan.add(Op.C_READY, "wait for start", stateDir.resolve("exec.fifo").toString(), n());
        if (create && hooksStart != null) for (Hook h : hooksStart) hook(Op.C_HOOK, "startContainer", h);
        if (seccomp != null && nnp) plan.addData(Op.C_SECCOMP, "load seccomp filter", n(seccompFlags), seccomp);
        List<String> strs = new ArrayList<>(p.args());
        strs.addAll(withHome(p.env(), rootfs, p.user().uid()));
        plan.add(Op.C_EXEC, "exec", null, n(p.args().size()), strs); // the shim's detail names the program
    }

    private List<Hook> hooksStart;

    /** Like runc: without HOME in the env, the user's home from the rootfs's /etc/passwd (else "/"). */
    private static List<String> withHome(List<String> env, Path rootfs, long uid) {
        if (env.stream().anyMatch(e -> e.startsWith("HOME="))) return env;
        List<String> out = new ArrayList<>(env);
        out.add("HOME=" + home(rootfs, uid));
        return out;
    }

    private static String home(Path rootfs, long uid) {
        try {
            Path passwd = SecurePath.resolve(rootfs, "/etc/passwd");
            if (Files.isRegularFile(passwd)) {
                for (String line : Files.readAllLines(passwd)) {
                    String[] f = line.split(":");
                    if (f.length >= 6 && f[2].equals(Long.toString(uid))) return f[5];
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // an unreadable passwd file means no home
        }
        return "/";
    }

    private static String nz(String s, String dflt) {
        return s == null || s.isEmpty() ? dflt : s;
    }

    private static String idMap(List<IdMapping> maps) {
        StringBuilder sb = new StringBuilder();
        for (IdMapping m : maps) sb.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
        return sb.toString();
    }

    private void join(Namespace ns) {
        plan.add(Op.C_JOIN, "join " + ns.type() + " namespace", ns.path(), n(Namespaces.flag(ns.type())), ns.path());
    }

    private void hook(Op op, String kind, Hook h) {
        List<String> strs = new ArrayList<>();
        strs.add(h.path());
        List<String> args = h.args().isEmpty() ? List.of(h.path()) : h.args();
        strs.addAll(args);
        strs.addAll(h.env());
        plan.add(op, kind + " hook", h.path(), n(h.timeout() == null ? 0 : h.timeout(), args.size()), strs);
    }

    /** mkdir: 0 none, 1 a directory, 2 a file. */
    private void mount(String step, String context, String src, String dst, String type, long flags, String data, int mkdir, boolean ignoreMissing) {
        plan.add(Op.C_MOUNT, step, context, n(flags, mkdir, ignoreMissing ? 1 : 0), src == null ? "" : src, dst, type, data);
    }

    private void bind(int i, Path bundle, Mount m, Path target, MountOptions o, String what) {
        String source = m.source();
        if (source == null || source.isEmpty()) throw new IllegalArgumentException("mounts[" + i + "].source: a bind mount needs a source");
        Path src = bundle.resolve(source);
        if (!Files.exists(src)) throw new IllegalArgumentException("mounts[" + i + "].source: " + src + ": no such file or directory");
        int mkdir = Files.isDirectory(src) ? 1 : 2;
        long base = MS_BIND | (o.flags() & MS_REC);
        mount(what, "bind " + src + " on " + target, src.toString(), target.toString(), "", base, "", mkdir, false);
        long extra = o.flags() & ~(MS_BIND | MS_REC);
        if (extra != 0) mount(what + " (remount)", target.toString(), "", target.toString(), "", base | MS_REMOUNT | extra, "", 0, false);
        if (o.propagation() != 0) mount(what + " propagation", null, "", target.toString(), "", o.propagation(), "", 0, false);
    }

    /** The "cgroup" mount: the container's own cgroup directories, read-only unless asked otherwise. */
    private void cgroupMount(Input in, Path target, MountOptions o, String what, boolean newCgroupNs) {
        long flags = o.flags() & ~MS_RDONLY;
        boolean ro = (o.flags() & MS_RDONLY) != 0;
        if (in.cgroupUnified()) {
            if (newCgroupNs) {
                mount(what, "cgroup2 on " + target, "cgroup2", target.toString(), "cgroup2", o.flags(), "", 1, false);
            } else {
                Path host = in.cgroupDirs().get("unified");
                mount(what, "bind " + host + " on " + target, host.toString(), target.toString(), "", MS_BIND | MS_REC, "", 1, false);
                if (ro) mount(what + " (remount)", null, "", target.toString(), "", MS_BIND | MS_REMOUNT | MS_RDONLY | flags, "", 0, false);
            }
            return;
        }
        mount(what, "tmpfs on " + target, "tmpfs", target.toString(), "tmpfs", flags, "mode=755", 1, false);
        for (Map.Entry<String, Path> e : in.cgroupDirs().entrySet()) {
            String dst = target.resolve(e.getKey()).toString();
            mount(what + "/" + e.getKey(), "bind " + e.getValue(), e.getValue().toString(), dst, "", MS_BIND | MS_REC, "", 1, false);
            if (ro) mount(what + "/" + e.getKey() + " (remount)", null, "", dst, "", MS_BIND | MS_REMOUNT | MS_RDONLY | flags, "", 0, false);
        }
        if (ro) mount(what + " (remount)", null, "", target.toString(), "", MS_REMOUNT | MS_RDONLY | flags, "", 0, false);
    }

    private void devices(Path rootfs, List<Device> configured, boolean devPts) throws IOException {
        List<Device> all = new ArrayList<>(DEFAULT_DEVICES);
        for (Device d : configured) {
            all.removeIf(x -> x.path().equals(d.path()));
            all.add(d);
        }
        for (Device d : all) {
            Path target = SecurePath.resolve(rootfs, d.path());
            long type = switch (d.type()) {
                case "b" -> S_IFBLK;
                case "p" -> S_IFIFO;
                default -> S_IFCHR;
            };
            long mode = type | (d.fileMode() == null ? 0666 : d.fileMode());
            String parent = target.getParent().toString();
            if (!parent.equals(rootfs.resolve("dev").toString())) plan.add(Op.C_MKDIR, "create " + d.path(), parent, n(0755), parent);
            plan.add(Op.C_MKNOD, "create device " + d.path(), d.type() + " " + d.major() + ":" + d.minor(),
                    n(mode, d.major(), d.minor(), d.uid() == null ? 0 : d.uid(), d.gid() == null ? 0 : d.gid()),
                    target.toString(), Files.exists(Path.of(d.path())) ? d.path() : "");
        }
        Path dev = SecurePath.resolve(rootfs, "/dev");
        String[][] links = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
        for (String[] l : links) plan.add(Op.C_SYMLINK, "create /dev/" + l[1], null, n(), l[0], dev.resolve(l[1]).toString());
        if (Files.exists(Path.of("/proc/kcore"))) plan.add(Op.C_SYMLINK, "create /dev/core", null, n(), "/proc/kcore", dev.resolve("core").toString());
        if (devPts) plan.add(Op.C_SYMLINK, "create /dev/ptmx", null, n(), "pts/ptmx", dev.resolve("ptmx").toString());
    }
}
