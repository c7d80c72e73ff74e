package dev.berth.api;

import dev.berth.api.http.Request;
import dev.berth.api.http.Response;
import dev.berth.api.http.Router;
import dev.berth.api.http.StreamWriter;
import dev.berth.engine.Commit;
import dev.berth.engine.ContainerFiles;
import dev.berth.engine.ContainerUpdate;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * A container's files and resources: docker cp ({@code HEAD/GET/PUT /containers/{id}/archive}), diff
 * ({@code /changes}), export, commit and update, mapped onto {@link ContainerFiles}, {@link Commit} and
 * {@link ContainerUpdate}.
 */
final class ContainerFileRoutes {
    static final String PATH_STAT = "X-Docker-Container-Path-Stat";

    private final ContainerFiles files;
    private final Commit commit;
    private final ContainerUpdate update;

    private ContainerFileRoutes(Engine engine) {
        files = new ContainerFiles(engine);
        commit = new Commit(engine);
        update = new ContainerUpdate(engine);
    }

    static void register(Router router, Engine engine) {
        Routes r = new Routes(router);
        ContainerFileRoutes f = new ContainerFileRoutes(engine);
        r.head("/containers/{id}/archive", (q, s) -> {
            Map<String, Object> st = f.files.stat(q.param("id"), q.query("path"));
            s.header(PATH_STAT, encode(st)).empty(200);
        });
        r.get("/containers/{id}/archive", f::getArchive);
        r.put("/containers/{id}/archive", (q, s) -> {
            f.files.put(q.param("id"), q.query("path"), q.body(), q.bool("noOverwriteDirNonDir"), q.bool("copyUIDGID"));
            s.empty(200);
        });
        r.get("/containers/{id}/changes", (q, s) -> s.json(200, f.files.changes(q.param("id"))));
        r.get("/containers/{id}/export", (q, s) -> {
            engine.find(q.param("id")); // a 404 before the head
            try (StreamWriter w = s.stream(200, "application/x-tar")) {
                OutputStream out = new BufferedOutputStream(new ChunkOutput(w), 1 << 16);
                f.files.export(q.param("id"), out);
                out.flush();
            }
        });
        r.post("/commit", f::commit);
        r.post("/containers/{id}/update", (q, s) -> s.json(200, f.update.update(q.param("id"), q.json())));
    }

    static String encode(Map<String, Object> stat) {
        return Base64.getEncoder().encodeToString(Json.write(stat).getBytes(StandardCharsets.UTF_8));
    }

    private void getArchive(Request q, Response s) throws IOException {
        StreamWriter[] w = {null};
        OutputStream[] out = {null};
        try {
            files.get(q.param("id"), q.query("path"), st -> {
                s.header(PATH_STAT, encode(st));
                w[0] = s.stream(200, "application/x-tar");
                out[0] = new BufferedOutputStream(new ChunkOutput(w[0]), 1 << 16);
                return out[0];
            });
            out[0].flush();
        } finally {
            if (w[0] != null) w[0].close();
        }
    }

    /** POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes= with a Config body (the CLI may send "null"). */
    private void commit(Request q, Response s) throws IOException {
        String container = q.query("container", "");
        if (container.isEmpty()) throw new EngineException(400, "container: the container to commit is required");
        String body = new String(q.body().readNBytes(Request.JSON_LIMIT), StandardCharsets.UTF_8).trim();
        JsonObject config = body.isEmpty() || body.equals("null") ? null : Json.parseObject(body, "request body");
        String id = commit.commit(container, new Commit.Options(q.query("repo", ""), q.query("tag", ""), q.query("comment", ""),
                q.query("author", ""), q.bool("pause", true), q.queryAll("changes"), config));
        s.json(201, Json.obj("Id", id));
    }

    /** An OutputStream over a chunked reply: each write one chunk (put a buffer in front). */
    private static final class ChunkOutput extends OutputStream {
        private final StreamWriter w;

        ChunkOutput(StreamWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) throws IOException {
            w.write(new byte[] {(byte) b});
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            w.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            w.flush();
        }
    }
}
