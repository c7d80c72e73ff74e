package dev.berth.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The berth command line: {@code berth <command> ...}. */
public final class Main {
    static final String VERSION = "0.1.0";

    static final String HELP = """
            berth — one engine for Linux containers and virtual machines

            Usage: berth [--data-root DIR] <command> [options]

            Images:
              images [-q] [REPOSITORY]     list images                  tag SOURCE TARGET       name an image
              rmi [-f] IMAGE...            remove images                inspect IMAGE...        details (JSON)
              history IMAGE                layers and the steps         image prune [-a]        remove unused images
              save [-o FILE] [--format docker|oci] IMAGE...             write images to a tar (stdout without -o)
              load [-i FILE]               read images from a tar       system df               disk usage
              builder prune                drop the build cache
              import FILE|- [NAME] [-c 'CMD ["sh"]']                    a root filesystem tarball as an image
              image base busybox|debian [NAME]                           a base image from Debian's packages
              build [-t NAME] [-f FILE] [--build-arg K=V] [--target STAGE] [--no-cache] [-q] DIR|-
                                           build an image from a Dockerfile
              pull [--platform os/arch] NAME   from a registry      push NAME               to a registry
              login [-u USER] [-p PW | --password-stdin] [SERVER]   logout [SERVER]

            The runtime (runc's command line):
              runtime    create, start, state, kill, delete, run, exec, ps, pause, resume, list, spec

            The engine:
              daemon [-H unix:///run/berth/berth.sock]   serve the Docker Engine API: then use the docker CLI
                         (DOCKER_HOST=unix:///run/berth/berth.sock docker run ...) or docker-compose;
                         -H tcp://HOST:2376 --tlsverify --tlscacert ca.pem --tlscert cert.pem --tlskey key.pem
                         serves it over TLS to clients with certificates (never plain TCP)

            Other:
              bench      measure berth against its peers on this machine (berth bench --help)
              version    print the version

            Start here:
              berth runtime spec --busybox /tmp/box -- sh -c 'ps; hostname'
                                                          # a bundle from the host's busybox-static
              berth runtime run --bundle /tmp/box demo    # run it in its own namespaces and cgroup
              berth runtime --help                        # every runtime command

            --data-root DIR (or $BERTH_ROOT; default /var/lib/berth) is where images are kept.
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
        Path dataRoot = Path.of(System.getenv().getOrDefault("BERTH_ROOT", "/var/lib/berth"));
        int first = 0;
        while (first < argv.size() && argv.get(first).startsWith("--data-root")) {
            String f = argv.get(first);
            if (f.contains("=")) {
                dataRoot = Path.of(f.substring(f.indexOf('=') + 1));
                first++;
            } else if (first + 1 < argv.size()) {
                dataRoot = Path.of(argv.get(first + 1));
                first += 2;
            } else {
                err.println("berth: flag --data-root needs a value");
                return 2;
            }
        }
        if (first >= argv.size()) {
            out.print(HELP);
            return 2;
        }
        String cmd = argv.get(first);
        List<String> rest = argv.subList(first + 1, argv.size());
        try {
            ImageCommand images = new ImageCommand(out, dataRoot);
            return switch (cmd) {
                case "images", "tag", "rmi", "history", "save", "load", "import" -> images.run(cmd, new Args(rest));
                case "inspect" -> images.run("inspect", new Args(rest));
                case "image" -> {
                    if (rest.isEmpty()) throw new Args.UsageException("image needs a command: ls, rm, tag, inspect, history, save, load, import, prune");
                    yield images.run(rest.getFirst(), new Args(rest.subList(1, rest.size())));
                }
                case "builder" -> {
                    if (rest.isEmpty() || !rest.getFirst().equals("prune")) throw new Args.UsageException("builder needs a command: prune");
                    yield images.run("builder-prune", new Args(rest.subList(1, rest.size())));
                }
                case "system" -> {
                    if (rest.isEmpty() || !rest.getFirst().equals("df")) throw new Args.UsageException("system needs a command: df");
                    yield images.run("df", new Args(rest.subList(1, rest.size())));
                }
                case "pull", "push", "login", "logout" -> new RegistryCommand(out, dataRoot).run(cmd, new Args(rest));
                case "build" -> new BuildCommand(out, err, dataRoot).run(new Args(rest));
                case "daemon" -> new DaemonCommand(err, dataRoot).run(new Args(rest));
                case "runtime" -> new RuntimeCommand(out, err).run(rest);
                case "bench" -> new BenchCommand(out, err).run(rest);
                case "version", "--version" -> {
                    out.println("berth " + VERSION);
                    yield 0;
                }
                default -> throw new Args.UsageException("unknown command \"" + cmd + "\" (see berth --help)");
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
