package dev.berth.engine;

import dev.berth.oci.json.Json;
import dev.berth.runtime.BusyboxBundle;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Named volumes of the local driver: {@code ROOT/volumes/NAME/_data}, with their labels and creation time in
 * {@code ROOT/volumes/NAME/meta.json}. Creating an existing name returns it (docker's rule); removing one a
 * container uses is a conflict.
 */
public final class Volumes {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private final Path root;

    public Volumes(Path dataRoot) throws IOException {
        this.root = Files.createDirectories(dataRoot.resolve("volumes"));
    }

    public Path root() {
        return root;
    }

    public synchronized Map<String, Object> create(String name, Map<String, String> labels, boolean anonymous) throws IOException {
        String n = name == null || name.isEmpty() ? Names.newId() : name;
        if (!NAME.matcher(n).matches()) {
            throw new EngineException(400, "create " + n + ": " + (n.length() < 2 ? "volume name is too short, names should be at least two alphanumeric characters"
                    : "\"" + n + "\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"));
        }
        Path dir = root.resolve(n);
        if (Files.exists(dir.resolve("meta.json"))) return inspect(n);
        Files.createDirectories(dir.resolve("_data"));
        Map<String, Object> meta = Json.obj("CreatedAt", Instant.now().toString(), "Labels", labels == null ? Map.of() : labels,
                "Anonymous", anonymous);
        Files.writeString(dir.resolve("meta.json"), Json.write(meta));
        return inspect(n);
    }

    /** Docker's volume object. 404 if there is no such volume. */
    public Map<String, Object> inspect(String name) throws IOException {
        Path dir = root.resolve(name);
        Path meta = dir.resolve("meta.json");
        if (!NAME.matcher(name).matches() || !Files.exists(meta)) throw new EngineException(404, "get " + name + ": no such volume");
        var m = Json.parseObject(Files.readString(meta), meta.toString());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("CreatedAt", m.string("CreatedAt"));
        v.put("Driver", "local");
        v.put("Labels", m.stringMap("Labels"));
        v.put("Mountpoint", dir.resolve("_data").toString());
        v.put("Name", name);
        v.put("Options", Map.of());
        v.put("Scope", "local");
        return v;
    }

    public boolean anonymous(String name) throws IOException {
        Path meta = root.resolve(name).resolve("meta.json");
        return Files.exists(meta) && Json.parseObject(Files.readString(meta), meta.toString()).bool("Anonymous");
    }

    public List<Map<String, Object>> list() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path d : ds) if (Files.exists(d.resolve("meta.json"))) out.add(inspect(d.getFileName().toString()));
        }
        return out;
    }

    /** Removes a volume; inUse names the container using it (a conflict unless forced... docker refuses even then). */
    public synchronized void remove(String name, String usedBy) throws IOException {
        inspect(name);
        if (usedBy != null) throw new EngineException(409, "remove " + name + ": volume is in use - [" + usedBy + "]");
        BusyboxBundle.deleteTree(root.resolve(name));
    }
}
