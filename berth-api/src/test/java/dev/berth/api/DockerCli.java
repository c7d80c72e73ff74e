package dev.berth.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real docker CLI (client only) against a test server's socket, with no environment that could point
 * it elsewhere or pin an API version, and its own config directory. Skips the calling test, saying why, when
 * the CLI is not installed.
 */
record DockerCli(Path socket, Path configDir) {
    static final Path DOCKER = Path.of("/usr/local/bin/docker");

    record Result(int exit, String stdout, String stderr) {
        String output() {
            return stdout + stderr;
        }
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(null, args);
    }

    /** Runs with {@code stdin} piped in (or /dev/null when it is null). */
    Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(DOCKER), "skipped: the docker CLI is not installed at " + DOCKER);
        List<String> cmd = new ArrayList<>(List.of(DOCKER.toString(), "-H", "unix://" + socket));
        cmd.addAll(List.of(args));
        Files.createDirectories(configDir);
        Path out = Files.createTempFile(configDir, "out", ".txt"), err = Files.createTempFile(configDir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()) : ProcessBuilder.Redirect.PIPE);
        Map<String, String> env = pb.environment();
        for (String k : List.of("DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")) {
            env.remove(k);
        }
        env.put("DOCKER_CONFIG", configDir.toString());
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " did not finish in 60 s: " + Files.readString(err));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        System.out.println("$ docker " + String.join(" ", args) + "  (exit " + r.exit() + ")\n" + r.output());
        return r;
    }
}
