package dev.berth.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The docker CLI on a real terminal: util-linux {@code script} gives it a pty of the size asked for (set with
 * stty before the CLI starts); what is typed goes in through script's stdin, what the terminal shows is
 * collected. {@link #resize} changes the pty's size from outside, so the kernel sends the CLI a SIGWINCH.
 */
final class Pty implements AutoCloseable {
    private final Process process;
    private final Path ttyName;
    private final StringBuffer screen = new StringBuffer();
    private final OutputStream keys;

    private Pty(Process process, Path ttyName) {
        this.process = process;
        this.ttyName = ttyName;
        this.keys = process.getOutputStream();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[4096];
            try (InputStream in = process.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // script ended
            }
        });
    }

    /** {@code docker -H unix://socket args...} on a rows x cols terminal. */
    static Pty docker(DockerCli cli, int rows, int cols, String... args) throws IOException {
        Files.createDirectories(cli.configDir());
        Path ttyName = Files.createTempFile(cli.configDir(), "tty", ".txt");
        List<String> words = new ArrayList<>(List.of(DockerCli.DOCKER.toString(), "-H", "unix://" + cli.socket()));
        words.addAll(List.of(args));
        StringBuilder cmd = new StringBuilder("tty > " + quote(ttyName.toString()) + " && stty rows " + rows + " cols " + cols + " && exec");
        for (String w : words) cmd.append(' ').append(quote(w));
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", cmd.toString(), "/dev/null").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        for (String k : List.of("DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "COLUMNS", "LINES")) {
            env.remove(k);
        }
        env.put("DOCKER_CONFIG", cli.configDir().toString());
        env.put("TERM", "xterm");
        System.out.println("$ docker " + String.join(" ", args) + "  (on a " + rows + "x" + cols + " pty)");
        return new Pty(pb.start(), ttyName);
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Types {@code s}. */
    Pty type(String s) throws IOException {
        keys.write(s.getBytes(StandardCharsets.UTF_8));
        keys.flush();
        return this;
    }

    String screen() {
        return screen.toString();
    }

    /** Waits until the terminal shows a match of {@code regex} (DOTALL) after {@code from}; the screen from there. */
    String await(int from, String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.DOTALL);
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String s = screen().substring(Math.min(from, screen.length()));
            if (p.matcher(s).find()) return s;
            Thread.sleep(20);
        }
        throw new AssertionError("the terminal did not show /" + regex + "/ in " + timeout + "; it shows:\n" + screen());
    }

    String await(String regex) throws InterruptedException {
        return await(0, regex, Duration.ofSeconds(20));
    }

    /** Sets the terminal's size as a window manager would: the kernel signals SIGWINCH to the CLI. */
    void resize(int rows, int cols) throws IOException, InterruptedException {
        String tty = Files.readString(ttyName).trim();
        Process p = new ProcessBuilder("stty", "-F", tty, "rows", Integer.toString(rows), "cols", Integer.toString(cols))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new AssertionError("stty -F " + tty + ": " + out);
    }

    /** The CLI's exit code, once it ends (script -e passes it on). */
    int exit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the docker CLI did not end in " + timeout + "; the terminal shows:\n" + screen());
        }
        Thread.sleep(50); // the last of the output
        System.out.println(screen() + "\n(exit " + process.exitValue() + ")");
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
