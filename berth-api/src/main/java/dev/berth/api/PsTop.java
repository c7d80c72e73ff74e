package dev.berth.api;

import dev.berth.api.http.ApiException;
import dev.berth.oci.json.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * docker top ({@code -ef} by default, or {@code docker top c -o pid,comm}'s ps_args): as moby, the host's ps with
 * those options, keeping the header and the rows of the container's processes (found by the PID column).
 */
final class PsTop {
    private PsTop() {}

    /** pids: the container's processes, as engine.top listed them (column PID). */
    static Map<String, Object> run(String psArgs, Map<String, Object> top) throws IOException {
        Set<String> pids = new HashSet<>();
        List<?> titles = (List<?>) top.get("Titles");
        int at = titles.indexOf("PID");
        for (Object p : (List<?>) top.get("Processes")) pids.add(String.valueOf(((List<?>) p).get(at)));
        List<String> cmd = new ArrayList<>(List.of("ps"));
        cmd.addAll(Arrays.asList(psArgs.trim().split("\\s+")));
        Process ps;
        try {
            ps = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new ApiException(500, "ps: " + e.getMessage());
        }
        String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!ps.waitFor(10, TimeUnit.SECONDS)) throw new ApiException(500, "Error running ps: timeout");
            // ps refusing the options it was given is the client's error (moby answers 500; nothing failed here)
            if (ps.exitValue() != 0) throw ApiException.badRequest("Error running ps: exit status " + ps.exitValue() + ": " + out.trim().replace('\n', ' '));
        } catch (InterruptedException e) {
            ps.destroyForcibly();
            throw new ApiException(500, "ps interrupted");
        }
        return parse(out, pids);
    }

    /** The header's words are the titles; each row is split into as many columns, the last one taking the rest. */
    static Map<String, Object> parse(String out, Set<String> pids) {
        String[] lines = out.split("\n");
        List<String> header = List.of(lines[0].trim().split("\\s+"));
        int pid = header.indexOf("PID");
        if (pid < 0) throw ApiException.badRequest("Couldn't find PID field in ps output");
        List<Object> procs = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+", header.size());
            if (f.length <= pid || !pids.contains(f[pid])) continue;
            procs.add(List.of(f));
        }
        return Json.obj("Titles", header, "Processes", procs);
    }
}
