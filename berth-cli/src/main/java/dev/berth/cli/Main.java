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

            Usage: berth [-H unix:///SOCKET] [--data-root DIR] <command> [options]

            Containers (through the daemon, docker's flags and output):
              run [-d] [-it] [--rm] [--name N] [-e K=V] [-v SRC:DST] [-p H:C] [--network NET] ... IMAGE [CMD...]
              create, start [-a] [-i], ps [-a] [-q] [--filter K=V] [--format F], logs [-f] [--tail N] [-t],
              exec [-it] [-d] [-e] [-u] [-w], stop [-t N], kill [-s SIG], restart, rm [-f] [-v], pause, unpause,
              rename, wait, inspect [-f F], top, stats [--no-stream], port, attach, cp, diff, export, commit,
              update, container prune      (also as `berth container VERB`)
              volume     create, ls, inspect, rm, prune
              network    create, ls, inspect, rm, connect, disconnect, prune
              --format: json, or a template: {{.Field}}, {{json .}}, {{index .A "k"}}, table {{.ID}}\\t{{.Names}}

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
              images, pull, push, build, rmi, tag and inspect go through the daemon when it runs (pull, push and
              build show its progress); with --data-root (or $BERTH_ROOT), or with no daemon, they work on the
              image store directly. The other image commands always work on the store.

            The runtime (runc's command line):
              runtime    create, start, state, kill, delete, run, exec, ps, pause, resume, list, spec

            The engine:
              daemon [-H unix:///run/berth/berth.sock] [--exec-root DIR]   serve the Docker Engine API; berth's
                         container commands, the docker CLI (DOCKER_HOST=unix:///run/berth/berth.sock docker ...)
                         and docker-compose are its clients; -H tcp://HOST:2376 --tlsverify --tlscacert ca.pem
                         --tlscert cert.pem --tlskey key.pem serves it over TLS to clients with certificates
                         (never plain TCP)

            Other:
              bench      measure berth against its peers on this machine (berth bench --help)
              version    print the version

            Start here:
              sudo berth daemon &                          # the engine (or: systemctl start berth)
              berth run --rm busybox echo hello           # a container through it
              berth runtime spec --busybox /tmp/box -- sh -c 'ps; hostname'
              berth runtime run --bundle /tmp/box demo    # the OCI runtime alone, no daemon
              berth runtime --help                        # every runtime command

            -H (or $BERTH_HOST, or a unix:// $DOCKER_HOST; default unix:///run/berth/berth.sock) is the daemon's socket.
            --data-root DIR (or $BERTH_ROOT; default /var/lib/berth) is where images are kept.
            """;

    /** Every command word Main takes (contrib/completion/berth.bash offers the same; ClientOfflineTest checks). */
    static final List<String> COMMANDS = List.of("run", "create", "start", "ps", "logs", "exec", "stop", "kill", "restart", "rm", "pause",
            "unpause", "rename", "wait", "top", "stats", "port", "attach", "cp", "diff", "export", "commit", "update", "container", "volume",
            "network", "images", "rmi", "tag", "pull", "push", "build", "inspect", "history", "save", "load", "import", "image", "builder",
            "system", "login", "logout", "daemon", "runtime", "bench", "version");

    private Main() {}

    public static void main(String[] argv) {
        dev.berth.runtime.Trace.mark("main");
        System.exit(run(Arrays.asList(argv), System.out, System.err));
    }

    private static ContainerCommand containers(String host, PrintStream out, PrintStream err) {
        return new ContainerCommand(DockerClient.of(host), out, err, System.in);
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || argv.get(0).equals("--help") || argv.get(0).equals("-h") || argv.get(0).equals("help")) {
            out.print(HELP);
            return argv.isEmpty() ? 2 : 0;
        }
        String rootEnv = System.getenv("BERTH_ROOT");
        Path dataRoot = Path.of(rootEnv != null ? rootEnv : "/var/lib/berth");
        boolean storeChosen = rootEnv != null; // image verbs then work on the store, not through a daemon
        String host = null;
        int first = 0;
        while (first < argv.size() && (argv.get(first).startsWith("--data-root") || argv.get(first).startsWith("--host")
                || argv.get(first).equals("-H"))) {
            String f = argv.get(first);
            String value;
            if (f.contains("=")) {
                value = f.substring(f.indexOf('=') + 1);
                first++;
            } else if (first + 1 < argv.size()) {
                value = argv.get(first + 1);
                first += 2;
            } else {
                err.println("berth: flag " + f + " needs a value");
                return 2;
            }
            if (f.startsWith("--data-root")) {
                dataRoot = Path.of(value);
                storeChosen = true;
            } else {
                host = value;
            }
        }
        if (first >= argv.size()) {
            out.print(HELP);
            return 2;
        }
        String cmd = argv.get(first);
        List<String> rest = argv.subList(first + 1, argv.size());
        if (rest.size() == 1 && rest.getFirst().equals("--help") && !List.of("runtime", "bench", "daemon").contains(cmd)) {
            out.print(HELP); // the commands' flags are docker's; the overview names them
            return 0;
        }
        try {
            ImageCommand images = new ImageCommand(out, dataRoot);
            return switch (cmd) {
                case "run", "create", "start", "ps", "logs", "exec", "stop", "kill", "restart", "rm", "pause", "unpause", "rename", "wait",
                     "top", "stats", "port", "attach", "cp", "diff", "export", "commit", "update" ->
                        containers(host, out, err).run(cmd, new Args(rest));
                case "container" -> {
                    if (rest.isEmpty()) throw new Args.UsageException("container needs a command: run, ls, logs, exec, stop, rm, inspect, prune, ...");
                    yield containers(host, out, err).run(rest.getFirst(), new Args(rest.subList(1, rest.size())));
                }
                case "volume", "network" -> {
                    if (rest.isEmpty()) throw new Args.UsageException(cmd + " needs a command: create, ls, inspect, rm, prune"
                            + (cmd.equals("network") ? ", connect, disconnect" : ""));
                    DockerClient api = DockerClient.of(host);
                    var v = new VolumeNetworkCommand(api, out, err, new ContainerCommand(api, out, err, System.in));
                    Args a = new Args(rest.subList(1, rest.size()));
                    yield cmd.equals("volume") ? v.volume(rest.getFirst(), a) : v.network(rest.getFirst(), a);
                }
                case "images", "rmi", "tag", "pull", "push", "build", "inspect" -> {
                    DockerClient api = storeChosen ? null : DockerClient.of(host).reachable();
                    if (api != null) {
                        yield cmd.equals("inspect") ? new ContainerCommand(api, out, err, System.in).inspect(new Args(rest), null)
                                : new DaemonImages(api, out, err).run(cmd, new Args(rest));
                    }
                    yield switch (cmd) {
                        case "pull", "push" -> new RegistryCommand(out, dataRoot).run(cmd, new Args(rest));
                        case "build" -> new BuildCommand(out, err, dataRoot).run(new Args(rest));
                        default -> images.run(cmd, new Args(rest));
                    };
                }
                case "history", "save", "load", "import" -> images.run(cmd, new Args(rest));
                case "image" -> {
                    if (rest.isEmpty()) throw new Args.UsageException("image needs a command: ls, rm, tag, inspect, history, save, load, import, prune, pull, push, build");
                    String sub = rest.getFirst();
                    List<String> subArgs = rest.subList(1, rest.size());
                    DockerClient api = storeChosen || !List.of("ls", "list", "rm", "remove", "tag", "inspect", "pull", "push", "build").contains(sub)
                            ? null : DockerClient.of(host).reachable();
                    if (api != null) {
                        yield sub.equals("inspect") ? new ContainerCommand(api, out, err, System.in).inspect(new Args(subArgs), "image")
                                : new DaemonImages(api, out, err).run(sub, new Args(subArgs));
                    }
                    yield switch (sub) {
                        case "pull", "push" -> new RegistryCommand(out, dataRoot).run(sub, new Args(subArgs));
                        case "build" -> new BuildCommand(out, err, dataRoot).run(new Args(subArgs));
                        default -> images.run(sub, new Args(subArgs));
                    };
                }
                case "builder" -> {
                    if (rest.isEmpty() || !rest.getFirst().equals("prune")) throw new Args.UsageException("builder needs a command: prune");
                    yield images.run("builder-prune", new Args(rest.subList(1, rest.size())));
                }
                case "system" -> {
                    if (rest.isEmpty() || !rest.getFirst().equals("df")) throw new Args.UsageException("system needs a command: df");
                    yield images.run("df", new Args(rest.subList(1, rest.size())));
                }
                case "login", "logout" -> new RegistryCommand(out, dataRoot).run(cmd, new Args(rest));
                case "daemon" -> new DaemonCommand(err, dataRoot).run(new Args(rest));
                case "runtime" -> new RuntimeCommand(out, err).run(rest);
                case "bench" -> new BenchCommand(out, err).run(rest);
                case "version", "--version" -> {
                    out.println("berth " + VERSION);
                    yield 0;
                }
                default -> throw new Args.UsageException("unknown command \"" + cmd + "\" (see berth --help)");
            };
        } catch (DockerClient.ApiError e) {
            err.println(e.getMessage());
            return 1;
        } catch (DockerClient.NotRunning e) {
            err.println("berth: " + e.getMessage());
            return 1;
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
