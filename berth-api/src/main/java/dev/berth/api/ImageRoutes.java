package dev.berth.api;

import dev.berth.api.http.ApiException;
import dev.berth.api.http.Request;
import dev.berth.api.http.Response;
import dev.berth.api.http.Router;
import dev.berth.api.http.StreamWriter;
import dev.berth.build.BuildException;
import dev.berth.build.Builder;
import dev.berth.engine.Engine;
import dev.berth.image.Image;
import dev.berth.image.ImageInspect;
import dev.berth.image.ImageNotFoundException;
import dev.berth.image.Images;
import dev.berth.image.archive.ImageArchive;
import dev.berth.image.layer.LayerApplier;
import dev.berth.image.registry.Credentials;
import dev.berth.image.registry.RegistryClient;
import dev.berth.image.registry.RegistryOptions;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.BusyboxBundle;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The image endpoints: list, inspect, tag, remove, pull, push, build, history, save and load. */
public final class ImageRoutes {
    private final Engine engine;
    private final Images images;
    private final Builder builder;
    private final Path scratch;

    private ImageRoutes(Engine engine, Builder builder, Path scratch) {
        this.engine = engine;
        this.images = engine.images();
        this.builder = builder;
        this.scratch = scratch;
    }

    public static void register(Router router, Engine engine, Builder builder, Path scratch) {
        Routes r = new Routes(router);
        ImageRoutes i = new ImageRoutes(engine, builder, scratch);
        r.get("/images/json", i::list);
        r.get("/images/{name*}/json", (q, s) -> s.json(200, ImageInspect.of(i.image(q.param("name")))));
        r.get("/images/{name*}/history", i::history);
        r.post("/images/{name*}/tag", (q, s) -> {
            String repo = q.query("repo", ""), tag = q.query("tag", "");
            i.images.tag(i.image(q.param("name")).id().toString(), tag.isEmpty() ? repo : repo + ":" + tag);
            s.empty(201);
        });
        r.delete("/images/{name*}", i::remove);
        r.post("/images/create", i::pull);
        r.post("/images/{name*}/push", i::push);
        r.post("/build", i::build);
        r.post("/images/load", i::load);
        r.get("/images/get", i::save);
        r.get("/images/{name*}/get", i::save);
        r.post("/images/prune", (q, s) -> {
            long freed = i.images.collectGarbage(java.time.Duration.ofMinutes(10));
            s.json(200, Json.obj("ImagesDeleted", List.of(), "SpaceReclaimed", freed));
        });
        r.post("/auth", i::auth);
    }

    Image image(String name) throws IOException {
        try {
            return images.get(name);
        } catch (ImageNotFoundException e) {
            throw ApiException.notFound("No such image: " + name);
        }
    }

    /**
     * docker images: filters dangling=true|false, reference=PATTERN (a glob on the familiar name, with or
     * without the tag), label=K[=V], before=IMAGE and since=IMAGE, as moby applies them; an untagged image has empty RepoTags and RepoDigests, the shape
     * the CLI shows as "&lt;none&gt;" (with ["&lt;none&gt;:&lt;none&gt;"] and no digest it shows nothing at all).
     */
    private void list(Request q, Response s) throws IOException {
        Map<String, List<String>> filters = q.filters();
        List<Object> out = new ArrayList<>();
        for (Image img : images.list()) {
            List<String> tags = img.names().stream().map(n -> ImageReference.parse(n).familiar()).toList();
            if (filters.containsKey("dangling") && filters.get("dangling").contains("true") != tags.isEmpty()) continue;
            if (filters.containsKey("reference") && filters.get("reference").stream().noneMatch(p -> tags.stream().anyMatch(t -> glob(p, t)))) continue;
            if (filters.containsKey("label") && !Filters.labels(img.config().config().labels(), filters.get("label"))) continue;
            if (!createdWithin(img, filters)) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Id", img.id().toString());
            m.put("ParentId", "");
            m.put("RepoTags", tags);
            m.put("RepoDigests", ImageInspect.of(img).get("RepoDigests"));
            m.put("Created", img.config().created() == null ? 0 : Instant.parse(img.config().created()).getEpochSecond());
            m.put("Size", img.size());
            m.put("SharedSize", -1);
            m.put("Labels", img.config().config().labels());
            m.put("Containers", -1);
            out.add(m);
        }
        s.json(200, out);
    }

    /** before=IMAGE / since=IMAGE: made strictly before / after that image. */
    private boolean createdWithin(Image img, Map<String, List<String>> filters) throws IOException {
        Instant created = img.config().created() == null ? Instant.EPOCH : Instant.parse(img.config().created());
        for (String b : filters.getOrDefault("before", List.of())) {
            String other = image(b).config().created();
            if (other == null || !created.isBefore(Instant.parse(other))) return false;
        }
        for (String a : filters.getOrDefault("since", List.of())) {
            String other = image(a).config().created();
            if (other != null && !created.isAfter(Instant.parse(other))) return false;
        }
        return true;
    }

    /** moby's reference filter: a path glob against NAME:TAG, or against NAME when the pattern has no tag. */
    static boolean glob(String pattern, String tagged) {
        String target = pattern.contains(":") ? tagged : tagged.substring(0, tagged.lastIndexOf(':'));
        return java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + pattern).matches(java.nio.file.Path.of(target));
    }

    private void history(Request q, Response s) throws IOException {
        Image img = image(q.param("name"));
        List<Object> out = new ArrayList<>();
        var h = img.config().history();
        int layer = img.manifest().layers().size() - 1;
        for (int k = h.size() - 1; k >= 0; k--) {
            var e = h.get(k);
            long size = e.emptyLayer() || layer < 0 ? 0 : img.manifest().layers().get(layer--).size();
            out.add(Json.obj("Id", k == h.size() - 1 ? img.id().toString() : "<missing>",
                    "Created", e.created() == null ? 0 : Instant.parse(e.created()).getEpochSecond(),
                    "CreatedBy", e.createdBy() == null ? "" : e.createdBy(), "Tags", List.of(), "Size", size, "Comment", e.comment() == null ? "" : e.comment()));
        }
        s.json(200, out);
    }

    /**
     * docker rmi, with moby's conflicts: a name whose removal would delete an image a container uses needs -f
     * (and with -f the image stays, untagged); a name among several only untags; by id, an image in use needs -f
     * when its container is stopped and cannot be removed while it runs.
     */
    private void remove(Request q, Response s) throws IOException {
        String name = q.param("name");
        boolean force = q.bool("force");
        Image img = image(name);
        Map<String, Object> user = null;
        for (Map<String, Object> c : engine.list(true)) {
            if (!img.id().toString().equals(c.get("Image"))) continue;
            if (user == null || Boolean.TRUE.equals(((Map<?, ?>) c.get("State")).get("Running"))) user = c;
        }
        boolean byName;
        try {
            byName = images.names().get(ImageReference.parse(name)).isPresent();
        } catch (IllegalArgumentException anId) {
            byName = false;
        }
        if (user != null) {
            String cid = String.valueOf(user.get("Id")).substring(0, 12);
            boolean running = Boolean.TRUE.equals(((Map<?, ?>) user.get("State")).get("Running"));
            if (byName && !force && img.names().size() <= 1) {
                throw ApiException.conflict("conflict: unable to remove repository reference \"" + name + "\" (must force) - container "
                        + cid + " is using its referenced image " + img.id().shortHex());
            }
            if (!byName && (running || !force)) {
                throw ApiException.conflict("conflict: unable to delete " + img.id().shortHex() + (running ? " (cannot be forced)" : " (must be forced)")
                        + " - image is being used by " + (running ? "running" : "stopped") + " container " + cid);
            }
        }
        List<String> lines;
        try {
            lines = images.remove(name, force, user != null);
        } catch (IllegalStateException several) { // by id, an image with several names, without -f
            throw ApiException.conflict(several.getMessage());
        }
        List<Object> out = new ArrayList<>();
        for (String line : lines) {
            String[] kv = line.split(": ", 2);
            out.add(Json.obj(kv[0], kv[1]));
        }
        s.json(200, out);
    }

    /** Credentials from X-Registry-Auth (base64url JSON), else the daemon's config.json. */
    private static RegistryOptions options(Request q, String registry) throws IOException {
        String header = q.header("X-Registry-Auth");
        if (header != null && !header.isBlank()) {
            try {
                JsonObject a = Json.parseObject(new String(Base64.getUrlDecoder().decode(header.trim()), StandardCharsets.UTF_8), "X-Registry-Auth");
                String user = a.string("username", "");
                if (!user.isEmpty()) {
                    return RegistryOptions.defaults().withCredentials(Credentials.of(registry, new Credentials.Auth(user, a.string("password", ""))));
                }
            } catch (RuntimeException malformed) {
                // docker ignores an unreadable header
            }
        }
        return RegistryOptions.defaults().withCredentials(Credentials.load());
    }

    private static void fail(StreamWriter w, String message, int code) throws IOException {
        w.writeJson(Json.obj("errorDetail", code == 0 ? Json.obj("message", message) : Json.obj("code", code, "message", message), "error", message));
    }

    private void pull(Request q, Response s) throws IOException {
        String from = q.query("fromImage", ""), tag = q.query("tag", "");
        if (from.isEmpty()) throw ApiException.badRequest("fromImage is required (import of a tarball is `berth import`)");
        ImageReference ref = ImageReference.parse(tag.isEmpty() ? from : tag.startsWith("sha256:") ? from + "@" + tag : from + ":" + tag);
        try (StreamWriter w = s.stream(200, "application/json")) {
            w.writeJson(Json.obj("status", "Pulling from " + ref.repository(), "id", ref.tag() != null ? ref.tag() : ref.digest().toString()));
            try (RegistryClient client = new RegistryClient(ref.registry(), options(q, ref.registry()))) {
                TransferProgress progress = TransferProgress.pull(w, images);
                var p = client.pull(ref, q.query("platform") == null || q.query("platform").isEmpty() ? null
                        : dev.berth.oci.image.Platform.parse(q.query("platform")), images.content(), progress);
                progress.extract(engine.snapshots(), images.load(p.manifest()));
                boolean had = images.names().get(ref).map(e -> e.target().digest().equals(p.manifest().digest())).orElse(false);
                images.names().put(ref, p.manifest().withAnnotations(Map.of(Images.REPO_DIGEST, p.top().digest().toString())));
                w.writeJson(Json.obj("status", "Digest: " + p.top().digest()));
                w.writeJson(Json.obj("status", "Status: " + (had ? "Image is up to date for " : "Downloaded newer image for ") + ref.familiar()));
                engine.events().publish("image", "pull", ref.familiar(), Map.of("name", ref.familiar()));
            } catch (IOException | RuntimeException e) {
                fail(w, e.getMessage(), 0);
            }
        }
    }

    private void push(Request q, Response s) throws IOException {
        String tag = q.query("tag", "");
        ImageReference ref = ImageReference.parse(tag.isEmpty() ? q.param("name") : q.param("name") + ":" + tag);
        Image img = image(ref.toString());
        try (StreamWriter w = s.stream(200, "application/json")) {
            w.writeJson(Json.obj("status", "The push refers to repository [" + ref.familiarRepository() + "]"));
            try (RegistryClient client = new RegistryClient(ref.registry(), options(q, ref.registry()))) {
                Descriptor plain = new Descriptor(img.target().mediaType(), img.target().digest(), img.target().size());
                var p = client.push(ref, plain, images.content(), TransferProgress.push(w));
                images.names().put(ref, plain.withAnnotations(Map.of(Images.REPO_DIGEST, p.top().digest().toString())));
                w.writeJson(Json.obj("status", ref.tag() + ": digest: " + p.top().digest() + " size: " + p.top().size()));
                w.writeJson(Json.obj("progressDetail", Map.of(), "aux", Json.obj("Tag", ref.tag(), "Digest", p.top().digest().toString(), "Size", p.top().size())));
            } catch (IOException | RuntimeException e) {
                fail(w, e.getMessage(), 0);
            }
        }
    }

    /** Lines written to it become {"stream": line} messages. */
    private static PrintStream streamOf(StreamWriter w) {
        return new PrintStream(new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) throws IOException {
                line.write(b);
                if (b == '\n') flush();
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) throws IOException {
                for (int i = 0; i < len; i++) write(b[off + i]);
            }

            @Override
            public synchronized void flush() throws IOException {
                if (line.size() == 0) return;
                w.writeJson(Json.obj("stream", line.toString(StandardCharsets.UTF_8)));
                line.reset();
            }
        }, true, StandardCharsets.UTF_8);
    }

    private void build(Request q, Response s) throws IOException {
        Path ctx = Files.createTempDirectory(Files.createDirectories(scratch), "context");
        try {
            try (var in = new BufferedInputStream(q.body(), 1 << 16)) {
                LayerApplier.apply(in, dev.berth.image.Compression.detect(in), ctx, LayerApplier.Mode.FLAT);
            }
            Map<String, String> args = new LinkedHashMap<>();
            String ba = q.query("buildargs");
            if (ba != null && !ba.isEmpty()) Json.parseObject(ba, "buildargs").map().forEach((k, v) -> {
                if (v != null) args.put(k, String.valueOf(v));
            });
            boolean quiet = q.bool("q");
            try (StreamWriter w = s.stream(200, "application/json")) {
                PrintStream out = streamOf(w);
                try {
                    var r = builder.build(new Builder.Request(ctx, q.query("dockerfile", "Dockerfile"), args,
                            q.query("target") == null || q.query("target").isEmpty() ? null : q.query("target"), q.queryAll("t"), q.bool("nocache"), false),
                            quiet ? new PrintStream(OutputStream.nullOutputStream()) : out);
                    out.flush();
                    w.writeJson(Json.obj("aux", Json.obj("ID", r.id().toString())));
                    if (quiet) w.writeJson(Json.obj("stream", r.id() + "\n"));
                } catch (BuildException | IllegalArgumentException e) {
                    out.flush();
                    var m = java.util.regex.Pattern.compile("returned a non-zero code: (\\d+)").matcher(e.getMessage());
                    fail(w, e.getMessage(), m.find() ? Integer.parseInt(m.group(1)) : 1);
                }
            }
        } finally {
            BusyboxBundle.deleteTree(ctx);
        }
    }

    private void load(Request q, Response s) throws IOException {
        List<String> lines = ImageArchive.load(images, q.body());
        try (StreamWriter w = s.stream(200, "application/json")) {
            for (String l : lines) w.writeJson(Json.obj("stream", l + "\n"));
        }
    }

    private void save(Request q, Response s) throws IOException {
        List<String> names = q.param("name") != null ? List.of(q.param("name")) : q.queryAll("names");
        for (String n : names) image(n);
        try (StreamWriter w = s.stream(200, "application/x-tar")) {
            ImageArchive.save(images, names, new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    w.write(new byte[]{(byte) b});
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    w.write(b, off, len);
                }
            }, ImageArchive.Format.DOCKER);
        }
    }

    private void auth(Request q, Response s) throws IOException {
        JsonObject a = q.json();
        String server = a.string("serveraddress", ImageReference.DOCKER_HUB);
        try {
            Credentials.none().login(server, a.string("username", ""), a.string("password", ""));
        } catch (IOException e) {
            throw ApiException.unauthorized(e.getMessage());
        }
        s.json(200, Json.obj("Status", "Login Succeeded", "IdentityToken", ""));
    }
}
