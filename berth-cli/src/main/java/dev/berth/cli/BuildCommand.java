package dev.berth.cli;

import dev.berth.build.Builder;
import dev.berth.image.Images;
import dev.berth.image.layer.LayerApplier;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.ContainerRuntime;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code berth build}: docker build's flags over berth's classic-style builder. */
final class BuildCommand {
    private final PrintStream out;
    private final PrintStream err;
    private final Path dataRoot;

    BuildCommand(PrintStream out, PrintStream err, Path dataRoot) {
        this.out = out;
        this.err = err;
        this.dataRoot = dataRoot;
    }

    int run(Args a) throws IOException {
        List<String> tags = new ArrayList<>();
        Map<String, String> buildArgs = new LinkedHashMap<>();
        String file = "Dockerfile", target = null;
        boolean noCache = false, quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-t", "--tag" -> tags.add(a.value(f));
                case "-f", "--file" -> file = a.value(f);
                case "--build-arg" -> BuildCommand.buildArg(a.value(f), buildArgs);
                case "--target" -> target = a.value(f);
                case "--no-cache" -> noCache = true;
                case "-q", "--quiet" -> quiet = true;
                case "--rm", "--force-rm", "--pull=false" -> { }
                case "--network" -> {
                    if (!a.value(f).equals("host")) err.println("berth: warning: build steps use the host's network");
                }
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String path = a.required("build context (a directory, or - for a tar on stdin)");
        a.end();
        Images images = new Images(dataRoot.resolve("images"));
        Path scratch = Files.createDirectories(dataRoot.resolve("tmp"));
        Path context = path.equals("-") ? null : Path.of(path);
        Path extracted = null;
        try {
            if (context == null) {
                extracted = Files.createTempDirectory(scratch, "context");
                try (InputStream in = new BufferedInputStream(System.in, 1 << 16)) {
                    LayerApplier.apply(in, dev.berth.image.Compression.detect(in), extracted, LayerApplier.Mode.FLAT);
                }
                context = extracted;
            }
            Path runRoot = Path.of(System.getenv().getOrDefault("BERTH_RUN", "/run/berth")).resolve("build");
            Builder builder = new Builder(images, new Snapshots(dataRoot), ContainerRuntime.defaults(runRoot, w -> err.println("berth: warning: " + w)), scratch);
            Builder.Result r = builder.build(new Builder.Request(context, file, buildArgs, target, tags, noCache, quiet), out);
            if (quiet) out.println(r.id());
            return 0;
        } finally {
            if (extracted != null) BusyboxBundle.deleteTree(extracted);
        }
    }

    /** --build-arg K=V, or K alone for the value of $K when it is set, as docker takes it. */
    static void buildArg(String kv, java.util.Map<String, String> into) {
        int eq = kv.indexOf('=');
        if (eq > 0) into.put(kv.substring(0, eq), kv.substring(eq + 1));
        else if (System.getenv(kv) != null) into.put(kv, System.getenv(kv));
    }
}
