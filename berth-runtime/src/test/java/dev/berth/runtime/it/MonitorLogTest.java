package dev.berth.runtime.it;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.ContainerState;
import dev.berth.runtime.LogReader;
import dev.berth.runtime.plan.Io;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The monitor's json-file log (P_LOG) and {@link LogReader}, on the real kernel. */
@Timeout(60)
class MonitorLogTest extends MonitorBase {
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{0,8}[1-9])?Z";

    private static List<JsonObject> lines(Path log) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            assertThat(line).startsWith("{\"log\":\"");
            JsonObject o = Json.parseObject(line, log.toString());
            assertThat(o.map().keySet()).containsExactly("log", "stream", "time");
            assertThat(o.string("time")).matches(TIME);
            out.add(o);
        }
        return out;
    }

    private static List<String> stream(List<JsonObject> lines, String stream) {
        return lines.stream().filter(o -> o.string("stream").equals(stream)).map(o -> o.string("log")).toList();
    }

    @Test
    void detachedContainer_writesDockersJsonFileLines() throws Exception {
        TestBundle b = bundle("log", "echo out1; echo err1 >&2; head -c 20000 /dev/zero | tr '\\0' a; echo; "
                + "printf 'q\"\\\\<>&\\t\\001\\303\\251\\377\\n'; echo err2 >&2; printf 'no-newline'");
        Path log = tmp.resolve(b.id + ".log");
        Io io = Io.logTo(log);
        int code = rt.run(new ContainerRuntime.CreateOptions(b.id, b.dir, null, null, ContainerRuntime.Stdio.INHERIT, io));
        assertThat(code).isZero();
        List<JsonObject> lines = lines(log);
        // a line longer than 16 KiB is split as docker splits it: the first part has no newline
        assertThat(stream(lines, "stdout")).containsExactly("out1\n", "a".repeat(16384), "a".repeat(20000 - 16384) + "\n",
                "q\"\\<>&\t\u0001é\ufffd\n", "no-newline");
        assertThat(stream(lines, "stderr")).containsExactly("err1\n", "err2\n");
        String raw = Files.readString(log);
        assertThat(raw).contains("\"log\":\"q\\\"\\\\\\u003c\\u003e\\u0026\\t\\u0001é\\ufffd\\n\"").endsWith("}\n");
        // times are in order within a stream
        List<Instant> times = lines.stream().filter(o -> o.string("stream").equals("stdout")).map(o -> Instant.parse(o.string("time"))).toList();
        assertThat(times).isSorted();
        assertThat(times.getFirst()).isBetween(Instant.now().minusSeconds(60), Instant.now());
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void rotation_keepsAtMostMaxFilesAndTheLatestContent() throws Exception {
        TestBundle b = bundle("rot", "for i in $(seq 1 300); do echo line-$i; done");
        Path log = tmp.resolve(b.id + ".log");
        int code = rt.run(new ContainerRuntime.CreateOptions(b.id, b.dir, null, null, ContainerRuntime.Stdio.INHERIT, Io.logTo(log).withRotation(1000, 3)));
        assertThat(code).isZero();
        assertThat(log).exists();
        assertThat(Path.of(log + ".1")).exists();
        assertThat(Path.of(log + ".2")).exists();
        assertThat(Path.of(log + ".3")).doesNotExist();
        for (Path p : List.of(log, Path.of(log + ".1"), Path.of(log + ".2"))) {
            List<String> l = Files.readAllLines(p);
            assertThat(Files.size(p) - l.getLast().length() - 1).as(p + " before its last line").isLessThan(1000);
        }
        List<String> all = LogReader.read(log, -1, null, null).stream().map(LogReader.Entry::text).toList();
        assertThat(all.getLast()).isEqualTo("line-300\n");
        int first = Integer.parseInt(all.getFirst().trim().substring(5));
        assertThat(all).as("consecutive, oldest file first").isEqualTo(IntStream.rangeClosed(first, 300).mapToObj(i -> "line-" + i + "\n").toList());
        // entries are about 80 bytes: two full files of about 13, and the current one
        assertThat(all.size()).isBetween(2 * 11 + 1, 3 * 14);
    }

    @Test
    void maxFilesOne_truncatesInPlace() throws Exception {
        TestBundle b = bundle("trunc", "for i in $(seq 1 100); do echo line-$i; done");
        Path log = tmp.resolve(b.id + ".log");
        assertThat(rt.run(new ContainerRuntime.CreateOptions(b.id, b.dir, null, null, ContainerRuntime.Stdio.INHERIT, Io.logTo(log).withRotation(500, 1)))).isZero();
        assertThat(Path.of(log + ".1")).doesNotExist();
        List<String> all = LogReader.read(log, -1, null, null).stream().map(LogReader.Entry::text).toList();
        assertThat(all.getLast()).isEqualTo("line-100\n");
        assertThat(all.size()).isLessThan(10);
    }

    @Test
    void logReader_tailSinceUntilAndFollowAcrossRotations() throws Exception {
        TestBundle b = bundle("follow", "for i in $(seq 1 30); do echo l$i; done; "
                + "while [ ! -e /out/go ]; do usleep 10000; done; for i in $(seq 31 150); do echo l$i; done");
        Path log = tmp.resolve(b.id + ".log");
        create(b, Io.logTo(log).withRotation(2000, 8)).close();
        rt.start(b.id);
        await("30 lines", () -> lastLine(log).contains("l30"));

        assertThat(texts(LogReader.read(log, 5, null, null))).containsExactly("l26", "l27", "l28", "l29", "l30");
        assertThat(texts(LogReader.read(log, 0, null, null))).isEmpty();
        List<LogReader.Entry> all = LogReader.read(log, -1, null, null);
        assertThat(texts(all)).isEqualTo(IntStream.rangeClosed(1, 30).mapToObj(i -> "l" + i).toList());
        Instant t10 = all.get(9).time();
        assertThat(texts(LogReader.read(log, -1, t10, null))).startsWith("l10", "l11").endsWith("l30");
        assertThat(texts(LogReader.read(log, -1, null, all.get(4).time()))).containsExactly("l1", "l2", "l3", "l4", "l5");
        // tail first, then since, as docker does
        assertThat(texts(LogReader.read(log, 3, t10, null))).containsExactly("l28", "l29", "l30");

        try (LogReader follow = LogReader.open(log, 2, null, null)) {
            assertThat(follow.next(0).text()).isEqualTo("l29\n");
            assertThat(follow.next(0).text()).isEqualTo("l30\n");
            assertThat(follow.next(100)).as("nothing new yet").isNull();
            Files.writeString(b.out.resolve("go"), "");
            List<String> followed = new ArrayList<>();
            while (followed.size() < 120) {
                LogReader.Entry e = follow.next(10_000);
                assertThat(e).as("entry after " + followed.size()).isNotNull();
                followed.add(e.text().trim());
            }
            assertThat(followed).isEqualTo(IntStream.rangeClosed(31, 150).mapToObj(i -> "l" + i).toList());
            assertThat(follow.next(200)).isNull();
        }
        await("exit", () -> status(b.id) == ContainerState.Status.STOPPED);
        assertThat(Path.of(log + ".3")).as("rotated several times").exists();
        assertThat(texts(LogReader.read(log, 40, null, null))).isEqualTo(IntStream.rangeClosed(111, 150).mapToObj(i -> "l" + i).toList());
        rt.delete(b.id, false);
        Host.assertNoLeaks(oci, b);
    }

    private static String lastLine(Path log) {
        try {
            List<String> l = Files.readAllLines(log);
            return l.isEmpty() ? "" : l.getLast();
        } catch (IOException e) {
            return "";
        }
    }

    private static List<String> texts(List<LogReader.Entry> entries) {
        return entries.stream().map(e -> e.text().trim()).toList();
    }

    @Test
    void logInAMissingDirectory_failsCreateNamingThePath() throws Exception {
        TestBundle b = bundle("nolog", "true");
        Path log = tmp.resolve("no-such-dir/" + b.id + ".log");
        Throwable t = catchThrowable(() -> create(b, Io.logTo(log)));
        assertThat(t).hasMessageContaining(log.toString()).hasMessageContaining("No such file or directory");
        Host.assertNoLeaks(oci, b);
    }
}
