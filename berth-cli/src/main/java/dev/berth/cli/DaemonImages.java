package dev.berth.cli;

import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The image commands through the daemon (when one runs and no --data-root was given): images, pull, push,
 * build, rmi, tag. Pull, push and build show the daemon's JSON progress stream as docker does: one line per
 * layer, redrawn in place on a terminal.
 */
final class DaemonImages {
    private final DockerClient api;
    private final PrintStream out, err;

    DaemonImages(DockerClient api, PrintStream out, PrintStream err) {
        this.api = api;
        this.out = out;
        this.err = err;
    }

    int run(String cmd, Args a) throws IOException {
        return switch (cmd) {
            case "images", "ls", "list" -> images(a);
            case "pull" -> pull(a);
            case "push" -> push(a);
            case "build" -> build(a);
            case "rmi", "rm", "remove" -> rmi(a);
            case "tag" -> tag(a);
            default -> throw new Args.UsageException("unknown image command \"" + cmd + "\"");
        };
    }

    /** "busybox" → "busybox:latest", as docker names an image in its messages. */
    static String familiar(String image) {
        try {
            return ImageReference.parse(image).familiar();
        } catch (RuntimeException e) {
            return image;
        }
    }

    private int pull(Args a) throws IOException {
        String platform = null;
        boolean quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--platform" -> platform = a.value(f);
                case "-q", "--quiet" -> quiet = true;
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String name = a.required("image");
        a.end();
        return pull(name, platform, quiet);
    }

    /** POST /images/create with the progress shown; then the canonical name on stdout (docker's last line). */
    int pull(String name, String platform, boolean quiet) throws IOException {
        ImageReference ref = ImageReference.parse(name);
        String q = "/images/create?fromImage=" + DockerClient.q(ref.registry() + "/" + ref.repository())
                + "&tag=" + DockerClient.q(ref.digest() != null ? ref.digest().toString() : ref.tag())
                + (platform == null ? "" : "&platform=" + DockerClient.q(platform));
        DockerClient.Reply r = api.send("POST", q, null);
        if (r.status >= 400) throw DockerClient.error(r.status, r.body.readAllBytes());
        int status = new Progress(quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : out, err).show(r);
        if (status == 0) out.println(ref.toString());
        return status;
    }

    private int push(Args a) throws IOException {
        boolean quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            if (Args.name(f).equals("-q") || Args.name(f).equals("--quiet")) quiet = true;
            else if (!Args.name(f).equals("-a") && !Args.name(f).equals("--all-tags")) throw new Args.UsageException("unknown flag: " + f);
        }
        String name = a.required("image");
        a.end();
        ImageReference ref = ImageReference.parse(name);
        String repo = name.contains("@") ? name.substring(0, name.indexOf('@')) : ref.tag() != null && name.endsWith(":" + ref.tag()) ? name.substring(0, name.length() - ref.tag().length() - 1) : name;
        DockerClient.Reply r = api.send(api.connect(), "POST", "/images/" + repo + "/push?tag=" + DockerClient.q(ref.tag() == null ? "" : ref.tag()), null,
                "X-Registry-Auth: e30=\r\nContent-Length: 0\r\n");
        if (r.status >= 400) throw DockerClient.error(r.status, r.body.readAllBytes());
        return new Progress(quiet ? new PrintStream(java.io.OutputStream.nullOutputStream()) : out, err).show(r);
    }

    /** docker build through POST /build: the context directory as a tar (made by tar(1)), chunked. */
    private int build(Args a) throws IOException {
        StringBuilder q = new StringBuilder("/build?rm=1");
        Map<String, String> buildArgs = new LinkedHashMap<>();
        String file = null, iidfile = null;
        boolean quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-t", "--tag" -> q.append("&t=").append(DockerClient.q(a.value(f)));
                case "-f", "--file" -> file = a.value(f);
                case "--build-arg" -> BuildCommand.buildArg(a.value(f), buildArgs);
                case "--target" -> q.append("&target=").append(DockerClient.q(a.value(f)));
                case "--no-cache" -> q.append("&nocache=1");
                case "-q", "--quiet" -> {
                    quiet = true;
                    q.append("&q=1");
                }
                case "--iidfile" -> iidfile = a.value(f);
                case "--pull" -> q.append("&pull=1");
                case "--rm", "--force-rm" -> { }
                case "--network" -> q.append("&networkmode=").append(DockerClient.q(a.value(f)));
                case "--label" -> a.value(f);
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String path = a.required("build context (a directory, or - for a tar on stdin)");
        a.end();
        if (!buildArgs.isEmpty()) q.append("&buildargs=").append(DockerClient.q(Json.write(buildArgs)));
        Process tar = null;
        InputStream context;
        if (path.equals("-")) context = System.in;
        else {
            if (!Files.isDirectory(Path.of(path))) throw new Args.UsageException("build: context \"" + path + "\" is not a directory");
            if (file != null && !Path.of(file).isAbsolute() && Files.exists(Path.of(file))) {
                Path rel = Path.of(path).toAbsolutePath().relativize(Path.of(file).toAbsolutePath());
                if (!rel.startsWith("..")) file = rel.toString();
            }
            tar = new ProcessBuilder("tar", "-c", "-C", path, ".").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            context = tar.getInputStream();
        }
        if (file != null) q.append("&dockerfile=").append(DockerClient.q(file));
        DockerClient.Reply r = api.upload("POST", q.toString(), "application/x-tar", context, null);
        if (tar != null) tar.destroy();
        Progress p = new Progress(out, err);
        int status = p.show(r);
        if (status == 0 && iidfile != null && p.imageId != null) Files.writeString(Path.of(iidfile), p.imageId);
        if (status == 0 && quiet && p.imageId != null && p.printedStream.isEmpty()) out.println(p.imageId);
        return status;
    }

    private int images(Args a) throws IOException {
        boolean quiet = false, noTrunc = false, all = false;
        String format = null, filters = null;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-q", "--quiet" -> quiet = true;
                case "-a", "--all" -> all = true;
                case "--no-trunc" -> noTrunc = true;
                case "--digests" -> { }
                case "--format" -> format = a.value(f);
                case "-f", "--filter" -> filters = ContainerCommand.Filters.add(filters, a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String repo = a.hasNext() ? a.next() : null;
        a.end();
        if (repo != null) filters = ContainerCommand.Filters.add(filters, "reference=" + repo);
        List<Object> list = api.list("/images/json" + (all ? "?all=1" : "?all=0") + (filters == null ? "" : "&filters=" + DockerClient.q(filters)));
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Object o : list) {
            Map<?, ?> m = (Map<?, ?>) o;
            String id = ContainerCommand.trunc(String.valueOf(m.get("Id")), noTrunc);
            if (noTrunc) id = "sha256:" + id;
            if (!ids.contains(id)) ids.add(id);
            List<?> tags = m.get("RepoTags") instanceof List<?> l && !l.isEmpty() ? l : List.of("<none>:<none>");
            for (Object t : tags) {
                String s = String.valueOf(t);
                int c = s.lastIndexOf(':');
                String r = c > s.lastIndexOf('/') ? s.substring(0, c) : s, tag = c > s.lastIndexOf('/') ? s.substring(c + 1) : "<none>";
                if (repo != null && !r.equals(familiarRepo(repo))) continue;
                long created = m.get("Created") instanceof Number n ? n.longValue() : 0;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("Containers", "N/A");
                row.put("CreatedAt", java.time.Instant.ofEpochSecond(created).toString());
                row.put("CreatedSince", Output.ago(created));
                row.put("Digest", "<none>");
                row.put("ID", id);
                row.put("Repository", r);
                row.put("SharedSize", "N/A");
                row.put("Size", Output.size(m.get("Size") instanceof Number n ? n.longValue() : 0));
                row.put("Tag", tag);
                row.put("UniqueSize", "N/A");
                row.put("VirtualSize", row.get("Size"));
                rows.add(row);
            }
        }
        if (quiet) {
            for (String id : ids) out.println(id);
            return 0;
        }
        if (format == null || format.equals("table")) format = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
        Template.print(out, format, rows, Map.of("Repository", "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID", "CreatedSince", "CREATED",
                "CreatedAt", "CREATED AT", "Size", "SIZE", "Digest", "DIGEST"));
        return 0;
    }

    private static String familiarRepo(String repo) {
        try {
            return ImageReference.parse(repo).familiarRepository();
        } catch (RuntimeException e) {
            return repo;
        }
    }

    private int rmi(Args a) throws IOException {
        String q = "";
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-f", "--force" -> q += (q.isEmpty() ? "?" : "&") + "force=1";
                case "--no-prune" -> q += (q.isEmpty() ? "?" : "&") + "noprune=1";
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        List<String> refs = a.rest();
        if (refs.isEmpty()) throw new Args.UsageException("rmi needs at least one image");
        int status = 0;
        for (String ref : refs) {
            try {
                Object r = api.call("DELETE", "/images/" + ref + q, null);
                if (r instanceof List<?> l) for (Object o : l) for (var e : ((Map<?, ?>) o).entrySet()) out.println(e.getKey() + ": " + e.getValue());
            } catch (DockerClient.ApiError e) {
                err.println(e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    private int tag(Args a) throws IOException {
        String src = a.required("source image"), dst = a.required("target name");
        a.end();
        int slash = dst.lastIndexOf('/'), colon = dst.lastIndexOf(':');
        String repo = colon > slash ? dst.substring(0, colon) : dst, tag = colon > slash ? dst.substring(colon + 1) : "latest";
        api.call("POST", "/images/" + src + "/tag?repo=" + DockerClient.q(repo) + "&tag=" + DockerClient.q(tag), null);
        return 0;
    }

    /**
     * docker's jsonmessage display: {@code stream} text as it is, {@code status} lines keyed by {@code id}
     * (redrawn in place on a terminal, one bar per layer), and an {@code error} that ends it (exit 1, or the
     * build's {@code errorDetail.code}).
     */
    static final class Progress {
        private final PrintStream out, err;
        private final boolean terminal = Tty.stdinIsTerminal();
        private final List<String> lines = new ArrayList<>();
        String imageId;
        final StringBuilder printedStream = new StringBuilder();

        Progress(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }

        int show(DockerClient.Reply r) throws IOException {
            try {
                for (String line; (line = r.line()) != null; ) {
                    Map<?, ?> m = (Map<?, ?>) Json.parse(line, "progress");
                    if (m.get("error") != null || m.get("errorDetail") != null) {
                        Map<?, ?> d = m.get("errorDetail") instanceof Map<?, ?> x ? x : Map.of();
                        err.println(m.get("error") != null ? m.get("error") : d.get("message"));
                        return d.get("code") instanceof Number n && n.intValue() != 0 ? n.intValue() : 1;
                    }
                    if (m.get("aux") instanceof Map<?, ?> aux && aux.get("ID") != null) imageId = String.valueOf(aux.get("ID"));
                    if (m.get("stream") != null) {
                        out.print(m.get("stream"));
                        printedStream.append(m.get("stream"));
                        continue;
                    }
                    if (m.get("status") != null) status(m);
                }
                out.flush();
                return 0;
            } finally {
                r.conn.close();
            }
        }

        private void status(Map<?, ?> m) {
            String id = m.get("id") == null ? null : String.valueOf(m.get("id"));
            String text = (id == null ? "" : id + ": ") + m.get("status") + bar(m);
            if (id == null) {
                out.println(text);
                lines.clear();
                return;
            }
            int at = -1;
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).equals(id)) at = i;
            if (!terminal) {
                if (m.get("progressDetail") instanceof Map<?, ?> pd && pd.get("current") != null) return; // updates only on a terminal
                out.println(text);
                return;
            }
            if (at < 0) {
                lines.add(id);
                out.println(text);
            } else {
                int up = lines.size() - at;
                out.print("\033[" + up + "A\033[2K\r" + text + "\033[" + up + "B\r");
            }
            out.flush();
        }

        /** The daemon's own bar ("progress"), else one drawn from progressDetail{current,total}. */
        private static String bar(Map<?, ?> m) {
            if (m.get("progress") != null && !String.valueOf(m.get("progress")).isEmpty()) return " " + m.get("progress");
            if (!(m.get("progressDetail") instanceof Map<?, ?> pd) || !(pd.get("current") instanceof Number c)) return "";
            long cur = c.longValue(), total = pd.get("total") instanceof Number t ? t.longValue() : 0;
            if (total <= 0) return " " + Output.size(cur);
            int w = 50, done = (int) Math.min(w, cur * w / total);
            return " [" + "=".repeat(Math.max(0, done - 1)) + (done > 0 && done < w ? ">" : done == w ? "=" : "") + " ".repeat(w - done) + "] "
                    + Output.size(cur) + "/" + Output.size(total);
        }
    }
}
