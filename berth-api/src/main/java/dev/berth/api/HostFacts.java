package dev.berth.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * What {@code /version} and {@code /info} say about the host, read once from /proc, /etc and /sys. A file that
 * cannot be read gives a neutral value ({@code unknown}, 0) rather than failing the endpoint.
 *
 * @param kernelVersion   /proc/sys/kernel/osrelease
 * @param hostname        /proc/sys/kernel/hostname
 * @param operatingSystem PRETTY_NAME of /etc/os-release
 * @param goArch          the architecture in Go's words ({@code amd64}, {@code arm64}), for /version
 * @param machine         the architecture in uname's words ({@code x86_64}, {@code aarch64}), for /info
 * @param cpus            processors available
 * @param memTotal        MemTotal of /proc/meminfo, in bytes
 * @param cgroupVersion   {@code 2} on a unified hierarchy, else {@code 1}
 * @param id              a stable engine ID derived from /etc/machine-id (random when there is none)
 */
record HostFacts(String kernelVersion, String hostname, String operatingSystem, String goArch, String machine,
                 int cpus, long memTotal, String cgroupVersion, String id) {

    static HostFacts read() {
        String arch = System.getProperty("os.arch");
        String goArch = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        String machine = switch (goArch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> arch;
        };
        return new HostFacts(
                firstLine("/proc/sys/kernel/osrelease", "unknown"),
                firstLine("/proc/sys/kernel/hostname", "localhost"),
                osRelease(),
                goArch,
                machine,
                Runtime.getRuntime().availableProcessors(),
                readMemTotal(),
                Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1",
                engineId());
    }

    private static String firstLine(String file, String dflt) {
        try {
            String s = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            int nl = s.indexOf('\n');
            return s.isEmpty() ? dflt : nl < 0 ? s : s.substring(0, nl);
        } catch (IOException e) {
            return dflt;
        }
    }

    private static String osRelease() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"), StandardCharsets.UTF_8)) {
                if (line.startsWith("PRETTY_NAME=")) {
                    String v = line.substring("PRETTY_NAME=".length()).strip();
                    if (v.length() >= 2 && (v.startsWith("\"") || v.startsWith("'"))) v = v.substring(1, v.length() - 1);
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "Linux";
    }

    private static long readMemTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("MemTotal:")) {
                    String[] f = line.substring(9).strip().split("\\s+");
                    long n = Long.parseLong(f[0]);
                    return f.length > 1 && f[1].equalsIgnoreCase("kB") ? n * 1024 : n;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 0;
    }

    private static String engineId() {
        String machineId = firstLine("/etc/machine-id", "");
        UUID u = machineId.isEmpty() ? UUID.randomUUID()
                : UUID.nameUUIDFromBytes(("berth:" + machineId).getBytes(StandardCharsets.UTF_8));
        return u.toString();
    }
}
