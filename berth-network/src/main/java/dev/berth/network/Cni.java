package dev.berth.network;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Executes CNI plugins per the CNI spec (1.0.0): the plugin binary named by "type" is found on the plugin path
 * and run with CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH in its environment and the
 * network configuration on stdin; its stdout is the result (ADD) or an error object {code, msg, details}.
 * A network configuration list runs its plugins in order for ADD, each given the previous one's result as
 * prevResult, and in reverse order for DEL and CHECK, each given the cached ADD result; runtimeConfig is
 * filled for the capabilities a plugin declares (portMappings).
 */
public final class Cni {
    /** Where Debian's containernetworking-plugins install the plugins. */
    public static final List<Path> DEFAULT_PATH = List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
    private final List<Path> pluginPath;

    public Cni(List<Path> pluginPath) {
        this.pluginPath = List.copyOf(pluginPath);
    }

    public static Cni defaults() {
        return new Cni(DEFAULT_PATH);
    }

    /** A plugin's error result, or a plugin that could not run: the code (CNI's well-known ones or 999) and message. */
    public static final class CniException extends NetworkException {
        public final int code;

        CniException(String plugin, String command, int code, String msg, String details) {
            super(500, "CNI " + command + " " + plugin + ": " + msg + (details == null || details.isEmpty() ? "" : " (" + details + ")")
                    + " [code " + code + "]");
            this.code = code;
        }
    }

    /** What a run needs besides the configuration: the container, its network namespace and interface. */
    public record Target(String containerId, Path netns, String ifname) {}

    /** ADD over a configuration list: the last plugin's result (CNI 1.0.0 result JSON). */
    public JsonObject add(Map<String, Object> conflist, Map<String, Object> runtimeConfig, Target t) throws IOException {
        JsonObject prev = null;
        for (Object p : plugins(conflist)) {
            prev = exec("ADD", pluginConfig(conflist, (Map<?, ?>) p, runtimeConfig, prev), t);
        }
        return prev;
    }

    /** DEL over a configuration list, plugins in reverse order; every plugin runs even if one fails; the first error is thrown after. */
    public void del(Map<String, Object> conflist, Map<String, Object> runtimeConfig, JsonObject cachedResult, Target t) throws IOException {
        List<Object> plugins = new ArrayList<>(plugins(conflist));
        RuntimeException first = null;
        for (Object p : plugins.reversed()) {
            try {
                exec("DEL", pluginConfig(conflist, (Map<?, ?>) p, runtimeConfig, cachedResult), t);
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    /** CHECK over a configuration list, in order, each plugin given the cached ADD result. */
    public void check(Map<String, Object> conflist, Map<String, Object> runtimeConfig, JsonObject cachedResult, Target t) throws IOException {
        for (Object p : plugins(conflist)) exec("CHECK", pluginConfig(conflist, (Map<?, ?>) p, runtimeConfig, cachedResult), t);
    }

    private static List<?> plugins(Map<String, Object> conflist) {
        Object p = conflist.get("plugins");
        if (!(p instanceof List<?> l) || l.isEmpty()) throw new IllegalArgumentException("CNI configuration list " + conflist.get("name") + ": no plugins");
        return l;
    }

    /**
     * One plugin's configuration as the spec derives it from the list: the plugin's own keys, the list's
     * cniVersion and name, runtimeConfig for the capabilities it declares, and prevResult when there is one.
     */
    static Map<String, Object> pluginConfig(Map<String, Object> conflist, Map<?, ?> plugin, Map<String, Object> runtimeConfig, JsonObject prev) {
        Map<String, Object> c = new LinkedHashMap<>();
        plugin.forEach((k, v) -> c.put(String.valueOf(k), v));
        c.put("cniVersion", conflist.get("cniVersion"));
        c.put("name", conflist.get("name"));
        if (plugin.get("capabilities") instanceof Map<?, ?> caps) {
            Map<String, Object> rc = new LinkedHashMap<>();
            caps.forEach((k, v) -> {
                if (Boolean.TRUE.equals(v) && runtimeConfig.containsKey(String.valueOf(k))) rc.put(String.valueOf(k), runtimeConfig.get(String.valueOf(k)));
            });
            if (!rc.isEmpty()) c.put("runtimeConfig", rc);
        }
        if (prev != null) c.put("prevResult", prev.map());
        return c;
    }

    /** Runs one plugin. ADD returns its result; DEL and CHECK return null. */
    JsonObject exec(String command, Map<String, Object> config, Target t) throws IOException {
        String type = String.valueOf(config.get("type"));
        Path bin = find(type);
        ProcessBuilder pb = new ProcessBuilder(bin.toString());
        Map<String, String> env = pb.environment();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", t.containerId());
        env.put("CNI_NETNS", t.netns() == null ? "" : t.netns().toString());
        env.put("CNI_IFNAME", t.ifname());
        env.put("CNI_PATH", String.join(":", pluginPath.stream().map(Path::toString).toList()));
        pb.redirectErrorStream(false);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(Json.write(config).getBytes(StandardCharsets.UTF_8));
        }
        // stderr drained beside stdout, so a chatty plugin cannot block on a full pipe
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().start(() -> {
            try (var e = p.getErrorStream()) {
                err.complete(new String(e.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.complete("");
            }
        });
        String out;
        try (var o = p.getInputStream()) {
            out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CniException(type, command, 999, "the plugin did not finish in 60 s", null);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running CNI plugin " + type);
        }
        return result(type, command, p.exitValue(), out, err.join());
    }

    /** A plugin's output: the result on success; its error object (or stderr) as a {@link CniException} otherwise. */
    static JsonObject result(String type, String command, int exit, String stdout, String stderr) {
        JsonObject parsed = null;
        if (!stdout.isBlank()) {
            try {
                parsed = Json.parseObject(stdout, "CNI " + type + " output");
            } catch (RuntimeException e) {
                if (exit == 0) throw new CniException(type, command, 999, "unparsable output: " + stdout.strip(), null);
            }
        }
        if (exit != 0) {
            if (parsed != null && parsed.has("msg")) {
                throw new CniException(type, command, (int) parsed.longValue("code", 999), parsed.string("msg", ""), parsed.string("details", ""));
            }
            String why = (stdout + stderr).strip();
            throw new CniException(type, command, 999, "exit status " + exit + (why.isEmpty() ? "" : ": " + why), null);
        }
        if (!command.equals("ADD")) return null;
        if (parsed == null) throw new CniException(type, command, 999, "no result on stdout", null);
        return parsed;
    }

    private Path find(String type) {
        if (type.contains("/")) throw new CniException(type, "find", 999, "invalid plugin type", null);
        for (Path d : pluginPath) {
            Path b = d.resolve(type);
            if (Files.isExecutable(b)) return b;
        }
        throw new CniException(type, "find", 999, "plugin not found in " + pluginPath, null);
    }
}
