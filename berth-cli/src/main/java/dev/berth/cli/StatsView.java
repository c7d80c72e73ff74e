package dev.berth.cli;

import dev.berth.oci.json.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code berth stats}: docker's table of CPU, memory, network, block I/O and pids per container, once
 * ({@code --no-stream}) or redrawn every second from one stats stream per container.
 */
final class StatsView {
    static final Map<String, String> HEADERS = Map.of("Container", "CONTAINER", "ID", "CONTAINER ID", "Name", "NAME", "CPUPerc", "CPU %",
            "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
    private static final String DEFAULT = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

    private final DockerClient api;
    private final PrintStream out;

    StatsView(DockerClient api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    int run(Args a) throws IOException {
        boolean stream = true, all = false, noTrunc = false;
        String format = DEFAULT;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--no-stream" -> stream = false;
                case "-a", "--all" -> all = true;
                case "--no-trunc" -> noTrunc = true;
                case "--format" -> format = a.value(f);
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        List<String> ids = a.rest();
        if (ids.isEmpty()) {
            for (Object o : api.list("/containers/json" + (all ? "?all=1" : ""))) ids.add(String.valueOf(((Map<?, ?>) o).get("Id")));
        }
        Map<String, Map<String, Object>> rows = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        boolean trunc = !noTrunc;
        for (String id : ids) {
            boolean s = stream;
            Thread t = new Thread(() -> {
                try (DockerClient c = new DockerClient(api.socket)) {
                    DockerClient.Reply r = c.stream("GET", "/containers/" + DockerClient.q(id) + "/stats?stream=" + (s ? 1 : 0), null);
                    for (String line; (line = r.line()) != null; ) {
                        rows.put(id, row(id, (Map<?, ?>) Json.parse(line, "stats"), trunc));
                        if (!s) break;
                    }
                    r.conn.close();
                } catch (IOException e) {
                    synchronized (errors) {
                        errors.add(e.getMessage());
                    }
                }
            }, "stats");
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        if (!stream) {
            for (Thread t : threads) join(t);
            for (String e : errors) System.err.println(e);
            print(format, ids, rows);
            return errors.isEmpty() ? 0 : 1;
        }
        while (true) {
            sleep();
            out.print("\033[2J\033[H");
            print(format, ids, rows);
            out.flush();
            if (threads.stream().noneMatch(Thread::isAlive) && !ids.isEmpty()) return 0;
        }
    }

    private void print(String format, List<String> ids, Map<String, Map<String, Object>> rows) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (String id : ids) if (rows.containsKey(id)) items.add(rows.get(id));
        Template.print(out, format, items, HEADERS);
    }

    /** One row from a stats sample: docker's arithmetic (CPU over the previous sample, memory less page cache). */
    static Map<String, Object> row(String ref, Map<?, ?> s, boolean trunc) {
        Map<?, ?> cpu = map(s.get("cpu_stats")), pre = map(s.get("precpu_stats")), mem = map(s.get("memory_stats"));
        double dCpu = num(map(cpu.get("cpu_usage")).get("total_usage")) - num(map(pre.get("cpu_usage")).get("total_usage"));
        double dSys = num(cpu.get("system_cpu_usage")) - num(pre.get("system_cpu_usage"));
        double cpus = num(cpu.get("online_cpus"));
        double cpuPerc = dSys > 0 && dCpu > 0 ? dCpu / dSys * (cpus > 0 ? cpus : 1) * 100 : 0;
        Map<?, ?> ms = map(mem.get("stats"));
        double inactive = ms.containsKey("total_inactive_file") ? num(ms.get("total_inactive_file")) : num(ms.get("inactive_file"));
        double used = Math.max(0, num(mem.get("usage")) - inactive), limit = num(mem.get("limit"));
        double rx = 0, tx = 0;
        if (s.get("networks") instanceof Map<?, ?> nets) for (Object n : nets.values()) {
            rx += num(map(n).get("rx_bytes"));
            tx += num(map(n).get("tx_bytes"));
        }
        double read = 0, write = 0;
        if (map(s.get("blkio_stats")).get("io_service_bytes_recursive") instanceof List<?> l) for (Object o : l) {
            String op = String.valueOf(map(o).get("op")).toLowerCase();
            if (op.equals("read")) read += num(map(o).get("value"));
            if (op.equals("write")) write += num(map(o).get("value"));
        }
        String id = String.valueOf(s.get("id") == null ? ref : s.get("id"));
        String name = String.valueOf(s.get("name") == null ? "" : s.get("name"));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("BlockIO", Output.size((long) read) + " / " + Output.size((long) write));
        r.put("CPUPerc", String.format("%.2f%%", cpuPerc));
        r.put("Container", ref);
        r.put("ID", trunc && id.length() > 12 ? id.substring(0, 12) : id);
        r.put("MemPerc", String.format("%.2f%%", limit > 0 ? used / limit * 100 : 0));
        r.put("MemUsage", Output.binarySize((long) used) + " / " + Output.binarySize((long) limit));
        r.put("Name", name.startsWith("/") ? name.substring(1) : name);
        r.put("NetIO", Output.size((long) rx) + " / " + Output.size((long) tx));
        r.put("PIDs", Long.toString((long) num(map(s.get("pids_stats")).get("current"))));
        return r;
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
