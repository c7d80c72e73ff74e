package dev.berth.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** The berth command line: {@code berth <command> ...}. */
public final class Main {
    static final String VERSION = "0.1.0";

    static final String HELP = """
            berth — one engine for Linux containers and virtual machines

            Usage: berth <command> [options]

            Commands:
              runtime    the OCI runtime: run a bundle (config.json + rootfs) like runc
                         create, start, state, kill, delete, run, exec, ps, pause, resume, list, spec
              bench      measure berth against its peers on this machine (see berth bench --help)
              version    print the version

            Start here:
              berth runtime spec --busybox /tmp/box -- sh -c 'ps; hostname'
                                                          # a bundle from the host's busybox-static
              berth runtime run --bundle /tmp/box demo    # run it in its own namespaces and cgroup
              berth runtime --help                        # every runtime command

            Run 'berth <command> --help' for a command's options.
            """;

    private Main() {}

    public static void main(String[] argv) {
        dev.berth.runtime.Trace.mark("main");
        System.exit(run(Arrays.asList(argv), System.out, System.err));
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || argv.get(0).equals("--help") || argv.get(0).equals("-h") || argv.get(0).equals("help")) {
            out.print(HELP);
            return argv.isEmpty() ? 2 : 0;
        }
        List<String> rest = argv.subList(1, argv.size());
        try {
            return switch (argv.get(0)) {
                case "runtime" -> new RuntimeCommand(out, err).run(rest);
                case "bench" -> new BenchCommand(out, err).run(rest);
                case "version", "--version" -> {
                    out.println("berth " + VERSION);
                    yield 0;
                }
                default -> throw new Args.UsageException("unknown command \"" + argv.get(0) + "\" (see berth --help)");
            };
        } catch (Args.UsageException e) {
            err.println("berth: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("berth: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (System.getenv("BERTH_DEBUG") != null) e.printStackTrace(err);
            return 1;
        }
    }
}
