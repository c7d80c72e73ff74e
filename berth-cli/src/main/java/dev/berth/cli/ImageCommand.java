package dev.berth.cli;

import dev.berth.image.Image;
import dev.berth.image.ImageInspect;
import dev.berth.image.ImageStore;
import dev.berth.image.Images;
import dev.berth.image.archive.ImageArchive;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The image commands: images, tag, rmi, inspect, history, save, load, import, image prune, system df. */
final class ImageCommand {
    private final PrintStream out;
    private final Path dataRoot;

    ImageCommand(PrintStream out, Path dataRoot) {
        this.out = out;
        this.dataRoot = dataRoot;
    }

    private Images images() throws IOException {
        return new Images(dataRoot.resolve("images"));
    }

    int run(String cmd, Args a) throws IOException {
        return switch (cmd) {
            case "images", "ls", "list" -> list(a);
            case "tag" -> tag(a);
            case "rmi", "rm", "remove" -> rmi(a);
            case "inspect" -> inspect(a);
            case "history" -> history(a);
            case "save" -> save(a);
            case "load" -> load(a);
            case "import" -> importTarball(a);
            case "prune" -> prune(a);
            case "df" -> df(a);
            case "base" -> base(a);
            case "builder-prune" -> builderPrune(a);
            default -> throw new Args.UsageException("unknown image command \"" + cmd + "\" (see berth --help)");
        };
    }

    private int list(Args a) throws IOException {
        boolean quiet = false, json = false, noTrunc = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-q", "--quiet" -> quiet = true;
                case "--no-trunc" -> noTrunc = true;
                case "-a", "--all", "--digests" -> { }
                case "--format" -> json = a.value(f).equals("json");
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String filter = a.hasNext() ? a.next() : null;
        a.end();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
        for (Image img : images().list()) {
            String id = noTrunc ? img.id().toString() : img.id().shortHex();
            List<String> names = img.names().isEmpty() ? List.of("") : img.names();
            boolean shown = false;
            for (String n : names) {
                ImageReference r = n.isEmpty() ? null : ImageReference.parse(n);
                if (filter != null && (r == null || !matches(r, filter))) continue;
                if (quiet) {
                    if (!shown) out.println(id);
                    shown = true;
                } else if (json) {
                    out.println(Json.write(Json.obj("Repository", r == null ? "<none>" : r.familiarRepository(),
                            "Tag", r == null ? "<none>" : r.tag(), "ID", id, "CreatedAt", img.config().created(), "Size", Output.size(img.size()))));
                } else {
                    rows.add(new String[]{r == null ? "<none>" : r.familiarRepository(), r == null ? "<none>" : r.tag(), id,
                            Output.ago(img.config().created()), Output.size(img.size())});
                }
            }
        }
        if (!quiet && !json) Output.table(out, rows);
        return 0;
    }

    /** docker images REPOSITORY[:TAG]: the repository must match, and the tag when one is given. */
    private static boolean matches(ImageReference r, String filter) {
        ImageReference f = ImageReference.parse(filter);
        return r.familiarRepository().equals(f.familiarRepository()) && (!filter.contains(":") || filter.lastIndexOf(':') < filter.lastIndexOf('/')
                || f.tag().equals(r.tag()));
    }

    private int tag(Args a) throws IOException {
        String src = a.required("source image"), dst = a.required("target name");
        a.end();
        images().tag(src, dst);
        return 0;
    }

    private int rmi(Args a) throws IOException {
        boolean force = false;
        while (a.atFlag()) {
            String f = a.next();
            if (f.equals("-f") || f.equals("--force")) force = true;
            else if (!f.equals("--no-prune")) throw new Args.UsageException("unknown flag " + f);
        }
        List<String> refs = a.rest();
        if (refs.isEmpty()) throw new Args.UsageException("rmi needs at least one image");
        Images images = images();
        for (String r : refs) for (String line : images.remove(r, force)) out.println(line);
        return 0;
    }

    private int inspect(Args a) throws IOException {
        while (a.atFlag()) {
            String f = a.next();
            if (!Args.name(f).equals("--format") && !f.equals("-f")) throw new Args.UsageException("unknown flag " + f);
            a.value(f);
        }
        List<String> refs = a.rest();
        if (refs.isEmpty()) throw new Args.UsageException("inspect needs at least one image");
        Images images = images();
        List<Object> all = new ArrayList<>();
        for (String r : refs) all.add(ImageInspect.of(images.get(r)));
        out.print(Json.writePretty(all));
        return 0;
    }

    private int history(Args a) throws IOException {
        boolean noTrunc = false, quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--no-trunc" -> noTrunc = true;
                case "-q", "--quiet" -> quiet = true;
                case "-H", "--human" -> { }
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String ref = a.required("image");
        a.end();
        Image img = images().get(ref);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"});
        List<ImageConfig.History> h = img.config().history();
        List<Descriptor> layers = img.manifest().layers();
        int layer = layers.size() - 1;
        for (int i = h.size() - 1; i >= 0; i--) {
            ImageConfig.History e = h.get(i);
            long size = e.emptyLayer() || layer < 0 ? 0 : layers.get(layer--).size();
            String by = e.createdBy() == null ? "" : e.createdBy();
            if (!noTrunc && by.length() > 45) by = by.substring(0, 44) + "…";
            String id = i == h.size() - 1 ? (noTrunc ? img.id().toString() : img.id().shortHex()) : "<missing>";
            if (quiet) out.println(id);
            else rows.add(new String[]{id, Output.ago(e.created()), by, Output.size(size), e.comment() == null ? "" : e.comment()});
        }
        if (!quiet) Output.table(out, rows);
        return 0;
    }

    private int save(Args a) throws IOException {
        Path file = null;
        ImageArchive.Format format = ImageArchive.Format.DOCKER;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-o", "--output" -> file = Path.of(a.value(f));
                case "--format" -> format = switch (a.value(f)) {
                    case "docker", "docker-archive" -> ImageArchive.Format.DOCKER;
                    case "oci", "oci-archive" -> ImageArchive.Format.OCI;
                    default -> throw new Args.UsageException("--format: docker or oci");
                };
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        List<String> refs = a.rest();
        if (refs.isEmpty()) throw new Args.UsageException("save needs at least one image");
        if (file == null && System.console() != null) throw new Args.UsageException("cowardly refusing to write an archive to a terminal: use -o FILE or a redirect");
        if (file == null) {
            ImageArchive.save(images(), refs, out, format);
            out.flush();
            return 0;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            ImageArchive.save(images(), refs, os, format);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return 0;
    }

    private int load(Args a) throws IOException {
        Path file = null;
        boolean quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-i", "--input" -> file = Path.of(a.value(f));
                case "-q", "--quiet" -> quiet = true;
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        a.end();
        try (InputStream in = file == null ? System.in : Files.newInputStream(file)) {
            List<String> lines = ImageArchive.load(images(), in);
            if (!quiet) lines.forEach(out::println);
        }
        return 0;
    }

    private int importTarball(Args a) throws IOException {
        List<String> changes = new ArrayList<>();
        String message = null;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-c", "--change" -> changes.add(a.value(f));
                case "-m", "--message" -> message = a.value(f);
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String source = a.required("tarball (a file, or - for stdin)");
        String name = a.hasNext() ? a.next() : null;
        a.end();
        ImageConfig.Run run = ImageConfig.Run.EMPTY;
        for (String c : changes) run = change(run, c);
        Images images = images();
        Descriptor d;
        try (InputStream in = source.equals("-") ? System.in : Files.newInputStream(Path.of(source))) {
            d = images.importTarball(in, run, message);
        }
        if (name != null) images.names().put(ImageReference.parse(name), d);
        else images.names().putDangling(d);
        out.println(images.load(d).id());
        return 0;
    }

    /** The --change instructions docker import takes: CMD, ENTRYPOINT, ENV, WORKDIR, USER (exec form or plain). */
    private static ImageConfig.Run change(ImageConfig.Run r, String change) {
        String[] kv = change.trim().split("\\s+", 2);
        String arg = kv.length > 1 ? kv[1] : "";
        List<String> words = arg.startsWith("[") ? Json.parseObject("{\"a\":" + arg + "}", "--change").strings("a") : List.of("/bin/sh", "-c", arg);
        return switch (kv[0].toUpperCase()) {
            case "CMD" -> new ImageConfig.Run(r.user(), r.env(), r.entrypoint(), words, r.workingDir(), r.exposedPorts(), r.volumes(), r.labels(), r.stopSignal(), r.healthcheck(), r.onBuild(), r.shell(), false);
            case "ENTRYPOINT" -> new ImageConfig.Run(r.user(), r.env(), words, r.cmd(), r.workingDir(), r.exposedPorts(), r.volumes(), r.labels(), r.stopSignal(), r.healthcheck(), r.onBuild(), r.shell(), false);
            case "ENV" -> {
                List<String> env = new ArrayList<>(r.env());
                env.add(arg.contains("=") ? arg : arg.replaceFirst("\\s+", "="));
                yield new ImageConfig.Run(r.user(), env, r.entrypoint(), r.cmd(), r.workingDir(), r.exposedPorts(), r.volumes(), r.labels(), r.stopSignal(), r.healthcheck(), r.onBuild(), r.shell(), false);
            }
            case "WORKDIR" -> new ImageConfig.Run(r.user(), r.env(), r.entrypoint(), r.cmd(), arg, r.exposedPorts(), r.volumes(), r.labels(), r.stopSignal(), r.healthcheck(), r.onBuild(), r.shell(), false);
            case "USER" -> new ImageConfig.Run(arg, r.env(), r.entrypoint(), r.cmd(), r.workingDir(), r.exposedPorts(), r.volumes(), r.labels(), r.stopSignal(), r.healthcheck(), r.onBuild(), r.shell(), false);
            default -> throw new Args.UsageException("--change: unsupported instruction \"" + kv[0] + "\" (CMD, ENTRYPOINT, ENV, WORKDIR, USER)");
        };
    }

    /** berth builder prune: drops the build cache, then what only it kept (blobs, unpacked layers). */
    private int builderPrune(Args a) throws IOException {
        while (a.atFlag()) {
            String f = a.next();
            if (!f.equals("-a") && !f.equals("--all") && !f.equals("-f") && !f.equals("--force")) throw new Args.UsageException("unknown flag " + f);
        }
        a.end();
        Images images = images();
        long before = images.content().totalSize();
        int entries = images.names().clearCache();
        images.collectGarbage(Duration.ZERO);
        long freed = before - images.content().totalSize()
                + dev.berth.image.Unpacker.pruneSnapshots(images, new dev.berth.image.snapshot.Snapshots(dataRoot));
        out.println("Deleted build cache objects: " + entries);
        out.println("Total reclaimed space: " + Output.size(Math.max(0, freed)));
        return 0;
    }

    /** berth image base busybox|debian [NAME] [--suite bookworm]: a base image made from Debian's packages. */
    private int base(Args a) throws IOException {
        String suite = "bookworm";
        while (a.atFlag()) {
            String f = a.next();
            if (Args.name(f).equals("--suite")) suite = a.value(f);
            else throw new Args.UsageException("unknown flag " + f);
        }
        String kind = a.required("busybox or debian");
        String name = a.hasNext() ? a.next() : null;
        a.end();
        Images images = images();
        var d = switch (kind) {
            case "busybox" -> BaseImages.busybox(images, name != null ? name : "busybox:latest");
            case "debian" -> BaseImages.debian(images, name != null ? name : "debian:" + suite, suite);
            default -> throw new Args.UsageException("base images: busybox or debian");
        };
        out.println(images.load(d).id());
        return 0;
    }

    private int prune(Args a) throws IOException {
        boolean all = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-a", "--all" -> all = true;
                case "-f", "--force" -> { }
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        a.end();
        Images images = images();
        long before = images.content().totalSize();
        List<String> deleted = new ArrayList<>();
        for (ImageStore.Entry e : images.names().list()) {
            if (ImageStore.isCache(e.name())) continue; // the build cache is `berth builder prune`'s, as in docker
            if (ImageStore.isDangling(e.name()) || all) {
                Image img = images.load(e.target());
                if (all && !ImageStore.isDangling(e.name())) images.names().remove(ImageReference.parse(e.name()));
                else images.names().removeDangling(e.target().digest());
                deleted.add("deleted: " + img.id());
            }
        }
        images.collectGarbage(Duration.ofMinutes(10));
        long freed = before - images.content().totalSize();
        freed += dev.berth.image.Unpacker.pruneSnapshots(images, new dev.berth.image.snapshot.Snapshots(dataRoot));
        if (!deleted.isEmpty()) {
            out.println("Deleted Images:");
            deleted.stream().distinct().forEach(out::println);
            out.println();
        }
        out.println("Total reclaimed space: " + Output.size(Math.max(0, freed)));
        return 0;
    }

    private int df(Args a) throws IOException {
        a.end();
        Images images = images();
        List<Image> all = images.list();
        long total = images.content().totalSize();
        long dangling = 0;
        for (Image i : all) if (i.names().isEmpty()) dangling += i.size();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"});
        rows.add(new String[]{"Images", Integer.toString(all.size()), "0", Output.size(total), Output.size(dangling)});
        Output.table(out, rows);
        return 0;
    }
}
