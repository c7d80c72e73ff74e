package dev.berth.build;

import dev.berth.build.dockerfile.Dockerfile;
import dev.berth.build.dockerfile.Instruction;
import dev.berth.build.dockerfile.KeyValue;
import dev.berth.build.dockerfile.Stage;
import dev.berth.image.Image;
import dev.berth.image.ImageNotFoundException;
import dev.berth.image.Images;
import dev.berth.image.Unpacker;
import dev.berth.image.layer.LayerWriter;
import dev.berth.image.snapshot.Mount;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageConfig.Run;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.Platform;
import dev.berth.runtime.ContainerRuntime;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds images from Dockerfiles, the way docker's classic builder does: stage by stage, one step per
 * instruction, each step's result an intermediate image cached under a key made of its parent, the expanded
 * instruction and (for COPY/ADD) the content it copies. A fully cached rebuild therefore yields the same image
 * id. Output is the classic one: "Step 3/7 : RUN ...", " ---> Using cache", " ---> 1a2b3c4d5e6f".
 */
public final class Builder {
    /** What to build. dockerfile is relative to the context unless absolute; tags may be empty (dangling). */
    public record Request(Path context, String dockerfile, Map<String, String> buildArgs, String target, List<String> tags,
                          boolean noCache, boolean quiet) {}

    public record Result(Digest id, Descriptor manifest) {}

    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    private static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Images images;
    private final Snapshots snapshots;
    private final ContainerRuntime runtime;
    private final Path scratch;
    private final List<Path> temps = new ArrayList<>();
    private PrintStream out;

    public Builder(Images images, Snapshots snapshots, ContainerRuntime runtime, Path scratch) {
        this.images = images;
        this.snapshots = snapshots;
        this.runtime = runtime;
        this.scratch = scratch;
    }

    /** The state of a stage as its steps run. */
    private static final class State {
        ImageConfig config;
        List<Descriptor> layers = new ArrayList<>();
        Map<String, String> args = new LinkedHashMap<>();
        String key;
        Descriptor manifest;
    }

    public Result build(Request r, PrintStream progress) throws IOException {
        try {
            return buildOnce(r, progress);
        } finally {
            for (Path t : temps) dev.berth.runtime.BusyboxBundle.deleteTree(t);
            temps.clear();
        }
    }

    private Result buildOnce(Request r, PrintStream progress) throws IOException {
        this.out = r.quiet() ? new PrintStream(java.io.OutputStream.nullOutputStream()) : progress;
        Files.createDirectories(scratch);
        StepContainer.reclaim(snapshots);
        BuildContext context = new BuildContext(r.context());
        Path dfPath = Path.of(r.dockerfile()).isAbsolute() ? Path.of(r.dockerfile()) : context.root().resolve(r.dockerfile());
        if (!Files.isRegularFile(dfPath)) throw new BuildException("Cannot locate specified Dockerfile: " + r.dockerfile());
        Dockerfile df = Dockerfile.parse(Files.readString(dfPath), r.dockerfile());
        List<Stage> stages = df.stages();
        int last = stages.size() - 1;
        if (r.target() != null) {
            last = -1;
            for (int i = 0; i < stages.size(); i++) if (r.target().equalsIgnoreCase(stages.get(i).name())) last = i;
            if (last < 0) throw new BuildException("failed to reach build target " + r.target() + " in Dockerfile");
        }
        int total = 0;
        for (int i = 0; i <= last; i++) total += 1 + stages.get(i).instructions().size();
        Map<String, String> global = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (Instruction.Arg a : df.globalArgs()) for (KeyValue kv : a.args()) global.put(kv.key(), argValue(kv, r.buildArgs(), Map.of(), used, df, a));
        List<State> done = new ArrayList<>();
        Map<String, State> named = new HashMap<>();
        int step = 0;
        State s = null;
        for (int i = 0; i <= last; i++) {
            Stage stage = stages.get(i);
            Instruction.From from = df.expand(stage.from(), global);
            step++;
            out.println("Step " + step + "/" + total + " : " + stage.from().text());
            s = from(from, named, done, global);
            List<String> triggers = s.config.config().onBuild();
            if (!triggers.isEmpty() && !named.containsKey(from.image().toLowerCase())) {
                out.println("# Executing " + triggers.size() + " build trigger" + (triggers.size() == 1 ? "" : "s"));
                // the triggers run once, in this build: the new image does not carry them on (as docker does)
                s.config = s.config.withRun(with(s.config.config(), b -> b.onBuild.clear()));
                s.manifest = null;
                for (String t : triggers) {
                    Instruction trigger = Dockerfile.parse("FROM scratch\n" + t + "\n", "ONBUILD").stages().getFirst().instructions().getFirst();
                    step(s, trigger, df, r, context, named, done, used);
                }
            }
            out.println(" ---> " + id(s));
            for (Instruction in : stage.instructions()) {
                step++;
                out.println("Step " + step + "/" + total + " : " + in.text());
                step(s, in, df, r, context, named, done, used);
                out.println(" ---> " + id(s));
            }
            done.add(s);
            if (stage.name() != null) named.put(stage.name().toLowerCase(), s);
        }
        List<String> unused = r.buildArgs().keySet().stream().filter(k -> !used.contains(k)).toList();
        if (!unused.isEmpty()) out.println("[Warning] One or more build-args " + unused + " were not consumed");
        Descriptor result = s.manifest != null ? s.manifest : store(s);
        Image img = images.load(result);
        if (r.tags().isEmpty()) images.names().putDangling(result);
        for (String t : r.tags()) images.names().put(ImageReference.parse(t), result);
        out.println("Successfully built " + img.id().shortHex());
        for (String t : r.tags()) out.println("Successfully tagged " + ImageReference.parse(t).familiar());
        return new Result(img.id(), result);
    }

    private String id(State s) throws IOException {
        if (s.manifest == null) s.manifest = store(s);
        return images.load(s.manifest).id().shortHex();
    }

    private Descriptor store(State s) throws IOException {
        return images.store(s.config, s.layers);
    }

    private State from(Instruction.From from, Map<String, State> named, List<State> done, Map<String, String> global) throws IOException {
        State s = new State();
        State stage = named.get(from.image().toLowerCase());
        if (stage == null && from.image().matches("\\d+") && Integer.parseInt(from.image()) < done.size()) stage = done.get(Integer.parseInt(from.image()));
        if (stage != null) {
            s.config = stage.config;
            s.layers = new ArrayList<>(stage.layers);
            s.manifest = stage.manifest;
            s.key = stage.key;
        } else if (from.image().equalsIgnoreCase("scratch")) {
            s.config = new ImageConfig(Platform.host().architecture(), "linux", Instant.now().toString(), null,
                    new Run(null, List.of(DEFAULT_PATH), null, null, null, List.of(), List.of(), Map.of(), null, null, List.of(), null, false),
                    List.of(), List.of());
            s.key = "scratch";
        } else {
            Image base;
            try {
                base = images.get(from.image());
            } catch (ImageNotFoundException e) {
                throw new BuildException("pull access denied for " + from.image() + ": it is not in the local store and berth builds "
                        + "only from local images (berth pull " + from.image() + ", or berth image base busybox|debian)");
            }
            s.config = base.config();
            s.layers = new ArrayList<>(base.manifest().layers());
            s.manifest = base.target();
            s.key = base.target().digest().toString();
        }
        s.args.putAll(global);
        return s;
    }

    private String argValue(KeyValue kv, Map<String, String> buildArgs, Map<String, String> env, Set<String> used, Dockerfile df, Instruction.Arg a) {
        if (buildArgs.containsKey(kv.key())) {
            used.add(kv.key());
            return buildArgs.get(kv.key());
        }
        return kv.value() == null ? null : kv.value();
    }

    /** The variables instructions expand with: the image's env, then the ARGs in scope. */
    private static Map<String, String> env(State s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (var e : s.args.entrySet()) if (e.getValue() != null) m.put(e.getKey(), e.getValue());
        for (String e : s.config.config().env()) {
            int eq = e.indexOf('=');
            if (eq > 0) m.put(e.substring(0, eq), e.substring(eq + 1));
        }
        return m;
    }

    private static String hex(String s) {
        return Digest.sha256(s.getBytes(StandardCharsets.UTF_8)).hex();
    }

    private void step(State s, Instruction raw, Dockerfile df, Request r, BuildContext context, Map<String, State> named,
                      List<State> done, Set<String> used) throws IOException {
        if (raw instanceof Instruction.Arg a) {
            for (KeyValue kv : a.args()) {
                String v = argValue(kv, r.buildArgs(), env(s), used, df, a);
                if (v == null && s.args.containsKey(kv.key())) v = s.args.get(kv.key());
                s.args.put(kv.key(), v == null ? null : dev.berth.build.dockerfile.Substitution.expand(v, env(s), df.escape()));
            }
            return;
        }
        Instruction in = df.expand(raw, env(s));
        String extra = "";
        List<Path> sources = null;
        Path sourceRoot = null;
        Mount sourceMount = null;
        if (in instanceof Instruction.Copy c && c.from() == null || in instanceof Instruction.Add) {
            sources = new ArrayList<>(heredocFiles(in, env(s)));
            for (String src : in instanceof Instruction.Copy c2 ? c2.sources() : ((Instruction.Add) in).sources()) {
                if (in instanceof Instruction.Add && src.matches("^https?://.*")) sources.add(download(src));
                else sources.addAll(context.match(src, in.keyword()));
            }
            List<Path> fromContext = sources.stream().filter(p -> p.startsWith(context.root())).toList();
            extra = context.hash(fromContext) + heredocText(in) + downloadedHash(sources, context);
        }
        if (in instanceof Instruction.Run) {
            // RUN sees the ARGs in scope as environment variables: they are part of what it depends on
            extra = s.args.toString();
        }
        String key = hex(s.key + "\n" + in.text() + "\n" + canonical(in) + "\n" + extra);
        if (!r.noCache()) {
            var hit = images.names().getCache(key);
            if (hit.isPresent() && images.content().has(hit.get().target().digest())) {
                Image img = images.load(hit.get().target());
                s.config = img.config();
                s.layers = new ArrayList<>(img.manifest().layers());
                s.manifest = img.target();
                s.key = key;
                out.println(" ---> Using cache");
                return;
            }
        }
        String now = Instant.now().toString();
        Run run = s.config.config();
        switch (in) {
            case Instruction.Run x -> {
                List<String> argv = runArgv(x, run.shell() != null ? run.shell() : DEFAULT_SHELL);
                layerStep(s, "RUN", now, String.join(" ", argv), sc -> {
                    List<String> envList = new ArrayList<>(run.env());
                    if (envList.stream().noneMatch(e -> e.startsWith("PATH="))) envList.add(DEFAULT_PATH);
                    for (var e : s.args.entrySet()) if (e.getValue() != null && envList.stream().noneMatch(v -> v.startsWith(e.getKey() + "="))) envList.add(e.getKey() + "=" + e.getValue());
                    out.println(" ---> Running in " + sc.id.substring(0, 12));
                    int code = sc.run(runtime, argv, envList, run.user(), run.workingDir(), out, scratch);
                    if (code != 0) {
                        throw new BuildException("The command '" + String.join(" ", argv) + "' returned a non-zero code: " + code
                                + (sc.lastLines.isEmpty() ? "" : "\nlast output:\n" + sc.lastLines));
                    }
                });
            }
            case Instruction.Copy x -> {
                List<Path> src = sources;
                Path[] mountedRoot = new Path[1];
                if (x.from() != null) {
                    mountedRoot[0] = Files.createTempDirectory(scratch, "from");
                    State st = named.get(x.from().toLowerCase());
                    if (st == null && x.from().matches("\\d+") && Integer.parseInt(x.from()) < done.size()) st = done.get(Integer.parseInt(x.from()));
                    List<Descriptor> layers;
                    List<Digest> diffIds;
                    if (st != null) {
                        layers = st.layers;
                        diffIds = st.config.diffIds();
                    } else {
                        Image img = images.get(x.from());
                        layers = img.manifest().layers();
                        diffIds = img.config().diffIds();
                    }
                    Digest chain = Unpacker.unpack(images, snapshots, layers, diffIds);
                    Snapshots.mount(snapshots.view(chain), mountedRoot[0]);
                    src = new ArrayList<>();
                    for (String p : x.sources()) {
                        Path resolved = dev.berth.runtime.plan.SecurePath.resolve(mountedRoot[0], p);
                        if (!Files.exists(resolved)) throw new BuildException("COPY failed: stat " + p + ": file does not exist in " + x.from());
                        src.add(resolved);
                    }
                }
                List<Path> fsrc = src;
                try {
                    layerStep(s, "COPY", now, "/bin/sh -c #(nop) COPY " + String.join(" ", x.sources()) + " in " + x.dest() + " ", sc -> {
                        long[] ug = x.chown() == null ? new long[]{0, 0} : dev.berth.runtime.Users.resolve(sc.rootfs(), x.chown());
                        new Copier(sc.rootfs(), ug[0], ug[1], mode(x.chmod()), x.from() == null ? context : null)
                                .copy(fsrc, absolute(x.dest(), run.workingDir()), false);
                    });
                } finally {
                    if (mountedRoot[0] != null) {
                        Snapshots.unmount(mountedRoot[0]);
                        Files.deleteIfExists(mountedRoot[0]);
                    }
                }
            }
            case Instruction.Add x -> {
                List<Path> src = sources;
                layerStep(s, "ADD", now, "/bin/sh -c #(nop) ADD " + String.join(" ", x.sources()) + " in " + x.dest() + " ", sc -> {
                    long[] ug = x.chown() == null ? new long[]{0, 0} : dev.berth.runtime.Users.resolve(sc.rootfs(), x.chown());
                    new Copier(sc.rootfs(), ug[0], ug[1], mode(x.chmod()), context).copy(src, absolute(x.dest(), run.workingDir()), true);
                });
            }
            case Instruction.Workdir x -> {
                String dir = absolute(x.path(), run.workingDir());
                s.config = s.config.withRun(with(run, b -> b.workingDir = dir));
                layerStep(s, "WORKDIR", now, "/bin/sh -c #(nop) WORKDIR " + dir, sc -> {
                    Path p = dev.berth.runtime.plan.SecurePath.resolve(sc.rootfs(), dir);
                    if (!Files.isDirectory(p)) Files.createDirectories(p);
                });
            }
            default -> configStep(s, in, now);
        }
        s.manifest = store(s);
        s.key = key;
        images.names().putCache(key, s.manifest);
    }

    /** COPY <<name /dest: each here-document becomes a file called name (expanded unless its delimiter was quoted). */
    private List<Path> heredocFiles(Instruction in, Map<String, String> env) throws IOException {
        List<dev.berth.build.dockerfile.Heredoc> docs = in instanceof Instruction.Copy c ? c.heredocs() : ((Instruction.Add) in).heredocs();
        List<Path> files = new ArrayList<>();
        if (docs.isEmpty()) return files;
        Path dir = Files.createTempDirectory(scratch, "heredoc");
        temps.add(dir);
        for (var h : docs) {
            Path f = dir.resolve(Path.of(h.name()).getFileName().toString());
            Files.writeString(f, h.expand() ? dev.berth.build.dockerfile.Substitution.expandHeredoc(h.content(), env) : h.content());
            Files.setAttribute(f, "unix:mode", 0644);
            files.add(f);
        }
        return files;
    }

    /**
     * ADD https://...: the file is fetched (every build, as docker does, to see whether it changed) into the
     * scratch space, named after the URL's last path part, mode 0600, with the server's Last-Modified time.
     */
    private Path download(String url) throws IOException {
        java.net.URI uri = java.net.URI.create(url);
        String name = Path.of(uri.getPath().isEmpty() ? "/index.html" : uri.getPath()).getFileName().toString();
        Path dir = Files.createTempDirectory(scratch, "add");
        temps.add(dir);
        Path f = dir.resolve(name);
        try (var client = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build()) {
            var resp = client.send(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofFile(f));
            if (resp.statusCode() != 200) throw new BuildException("ADD failed: " + url + ": HTTP " + resp.statusCode());
            resp.headers().firstValue("Last-Modified").ifPresent(lm -> {
                try {
                    var t = java.time.ZonedDateTime.parse(lm, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(t));
                } catch (IOException | RuntimeException ignored) {
                    // no usable time: keep now
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + url, e);
        } catch (java.net.ConnectException e) {
            throw new BuildException("ADD failed: cannot reach " + url + ": connection refused");
        }
        Files.setAttribute(f, "unix:mode", 0600);
        return f;
    }

    private static String downloadedHash(List<Path> sources, BuildContext context) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path p : sources) {
            if (p.startsWith(context.root())) continue;
            sb.append('\n').append(p.getFileName()).append(' ').append(Digest.sha256(Files.readAllBytes(p)));
        }
        return sb.toString();
    }

    private static String heredocText(Instruction in) {
        var docs = in instanceof Instruction.Copy c ? c.heredocs() : ((Instruction.Add) in).heredocs();
        StringBuilder sb = new StringBuilder();
        for (var h : docs) sb.append('\n').append(h.name()).append('\n').append(h.content());
        return sb.toString();
    }

    /**
     * The argv of a RUN. With here-documents, the shell gets the command line followed by the documents and
     * their delimiters, and does the heredoc itself ({@code RUN <<EOF}, {@code RUN cat <<EOF > /f}).
     */
    static List<String> runArgv(Instruction.Run x, List<String> shell) {
        if (x.heredocs().isEmpty() || !(x.command() instanceof dev.berth.build.dockerfile.CommandLine.ShellForm sf)) return x.command().argv(shell);
        List<String> argv = new ArrayList<>(shell);
        if (sf.command().trim().matches("(\\d*<<-?[\"']?[A-Za-z0-9_.-]+[\"']?\\s*)+")) {
            // `RUN <<EOF` alone: the document is the script (BuildKit's rule)
            StringBuilder body = new StringBuilder();
            for (var h : x.heredocs()) body.append(h.content());
            argv.add(body.toString());
            return argv;
        }
        StringBuilder script = new StringBuilder(sf.command()).append('\n');
        for (var h : x.heredocs()) {
            script.append(h.content());
            if (!h.content().isEmpty() && !h.content().endsWith("\n")) script.append('\n');
            script.append(h.name()).append('\n');
        }
        argv.add(script.toString());
        return argv;
    }

    /** Values that change what a config step does but are not in its text (none today; kept for the key's shape). */
    private static String canonical(Instruction in) {
        return in.keyword();
    }

    private static Integer mode(String chmod) {
        if (chmod == null) return null;
        try {
            return Integer.parseInt(chmod, 8);
        } catch (NumberFormatException e) {
            throw new BuildException("invalid --chmod " + chmod + ": an octal mode is expected");
        }
    }

    private static String absolute(String path, String workdir) {
        if (path.startsWith("/")) return path;
        String base = workdir == null || workdir.isEmpty() ? "/" : workdir;
        String joined = base.endsWith("/") ? base + path : base + "/" + path;
        return path.endsWith("/") && !joined.endsWith("/") ? joined + "/" : joined;
    }

    interface StepBody {
        void apply(StepContainer sc) throws IOException;
    }

    /** A step that changes files: run it in a writable snapshot, then commit what changed as a layer. */
    private void layerStep(State s, String what, String now, String createdBy, StepBody body) throws IOException {
        Digest chain = Unpacker.unpack(images, snapshots, s.layers, s.config.diffIds());
        try (StepContainer sc = new StepContainer(snapshots, chain)) {
            body.apply(sc);
            if (what.equals("WORKDIR") && sc.unchanged()) {
                // the directory was there already: no layer, as docker does
                s.config = s.config.withLayer(null, new ImageConfig.History(now, createdBy, null, true));
                return;
            }
            LayerWriter.Written w = sc.commit(images.content());
            s.layers.add(w.blob());
            s.config = s.config.withLayer(w.diffId(), new ImageConfig.History(now, createdBy, null, false));
        }
    }

    /** Steps that only change the image config: an empty-layer history entry, as docker records them. */
    private void configStep(State s, Instruction in, String now) {
        Run r = s.config.config();
        Run n = switch (in) {
            case Instruction.Env x -> with(r, b -> {
                for (KeyValue kv : x.variables()) {
                    b.env.removeIf(e -> e.startsWith(kv.key() + "="));
                    b.env.add(kv.key() + "=" + kv.value());
                }
            });
            case Instruction.Label x -> with(r, b -> x.labels().forEach(kv -> b.labels.put(kv.key(), kv.value())));
            case Instruction.Expose x -> with(r, b -> x.exposedPorts().forEach(p -> {
                if (!b.ports.contains(p.toString())) b.ports.add(p.toString());
            }));
            case Instruction.Volume x -> with(r, b -> x.paths().forEach(p -> {
                if (!b.volumes.contains(p)) b.volumes.add(p);
            }));
            case Instruction.User x -> with(r, b -> b.user = x.user());
            case Instruction.Cmd x -> with(r, b -> b.cmd = x.command().argv(r.shell() != null ? r.shell() : DEFAULT_SHELL));
            case Instruction.Entrypoint x -> with(r, b -> {
                b.entrypoint = x.command().argv(r.shell() != null ? r.shell() : DEFAULT_SHELL);
                b.cmd = null; // docker: ENTRYPOINT resets a CMD inherited from the base image
            });
            case Instruction.Shell x -> with(r, b -> b.shell = x.shell());
            case Instruction.StopSignal x -> with(r, b -> b.stopSignal = x.signal());
            case Instruction.Healthcheck x -> with(r, b -> b.healthcheck = x.disabled()
                    ? new ImageConfig.Healthcheck(List.of("NONE"), 0, 0, 0, 0)
                    : new ImageConfig.Healthcheck(x.test(), x.intervalNanos(), x.timeoutNanos(), x.startPeriodNanos(), x.retries()));
            case Instruction.OnBuild x -> with(r, b -> b.onBuild.add(x.expression()));
            case Instruction.Maintainer x -> r;
            default -> throw new BuildException(in.keyword() + " is not supported by berth's builder yet");
        };
        ImageConfig c = s.config.withRun(n);
        if (in instanceof Instruction.Maintainer m) {
            c = new ImageConfig(c.architecture(), c.os(), c.created(), m.maintainer(), c.config(), c.diffIds(), c.history());
        }
        s.config = c.withLayer(null, new ImageConfig.History(now, "/bin/sh -c #(nop)  " + in.text(), null, true));
    }

    /** A mutable copy of a Run, for the few fields a step changes. */
    private static final class RunBuilder {
        String user, workingDir, stopSignal;
        List<String> env, entrypoint, cmd, ports, volumes, onBuild, shell;
        Map<String, String> labels;
        ImageConfig.Healthcheck healthcheck;
    }

    private static Run with(Run r, java.util.function.Consumer<RunBuilder> change) {
        RunBuilder b = new RunBuilder();
        b.user = r.user();
        b.workingDir = r.workingDir();
        b.stopSignal = r.stopSignal();
        b.env = new ArrayList<>(r.env());
        b.entrypoint = r.entrypoint();
        b.cmd = r.cmd();
        b.ports = new ArrayList<>(r.exposedPorts());
        b.volumes = new ArrayList<>(r.volumes());
        b.onBuild = new ArrayList<>(r.onBuild());
        b.shell = r.shell();
        b.labels = new LinkedHashMap<>(r.labels());
        b.healthcheck = r.healthcheck();
        change.accept(b);
        return new Run(b.user, b.env, b.entrypoint, b.cmd, b.workingDir, b.ports, b.volumes, b.labels, b.stopSignal, b.healthcheck,
                b.onBuild, b.shell, false);
    }
}
