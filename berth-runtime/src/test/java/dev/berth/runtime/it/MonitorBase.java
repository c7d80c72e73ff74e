package dev.berth.runtime.it;

import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.ContainerState;
import dev.berth.runtime.plan.Io;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** What the monitor's tests share: a runtime, bundles that are force-deleted after each test, waiting. */
abstract class MonitorBase {
    @TempDir
    static Path tmp;
    static Oci.Berth oci;
    static ContainerRuntime rt;
    final List<String> made = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        Host.requireRoot();
        oci = new Oci.Berth(Files.createDirectories(tmp.resolve("root")));
        rt = oci.rt;
    }

    @AfterAll
    static void tidy() throws IOException {
        Host.removeEmptyTestCgroups();
    }

    @AfterEach
    void cleanUp() {
        for (String id : made) {
            try {
                rt.delete(id, true);
            } catch (Exception ignored) {
                // already deleted by the test
            }
        }
    }

    TestBundle bundle(String name, String script) throws IOException {
        TestBundle b = TestBundle.create(tmp, name).script(script);
        made.add(b.id);
        return b;
    }

    /** A short socket path (a Unix socket address holds 107 bytes). */
    static Path sock(TestBundle b, String what) {
        return tmp.resolve(b.id + "." + what);
    }

    /** Log, attach and control sockets, stdin open and stdin-once: what `docker run -i` asks for. */
    static Io io(TestBundle b) {
        return Io.logTo(tmp.resolve(b.id + ".log")).withAttach(sock(b, "a"), sock(b, "c"), true, true);
    }

    static ContainerRuntime.Created create(TestBundle b, Io io) throws IOException {
        return rt.create(ContainerRuntime.CreateOptions.managed(b.id, b.dir, io));
    }

    static void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Host.sleep(5);
        }
    }

    static ContainerState.Status status(String id) {
        try {
            return rt.state(id).status();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
