package dev.berth.build.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One Dockerfile instruction, as parsed and before variable substitution.
 *
 * <p>Every instruction has the 1-based {@link #line()} it starts on (a heredoc or continuation lines follow it)
 * and its {@link #text()}: the instruction as written, continuation lines joined and comments removed, without
 * the heredoc bodies. Words that the builder expands ({@link Dockerfile#expand}) are kept as written, quotes
 * included; flags that were not given are null (or false, or empty lists).
 */
public sealed interface Instruction {
    int line();

    String text();

    /** The instruction's keyword in upper case ("RUN"). */
    default String keyword() {
        return switch (this) {
            case From i -> "FROM";
            case Run i -> "RUN";
            case Cmd i -> "CMD";
            case Entrypoint i -> "ENTRYPOINT";
            case Copy i -> "COPY";
            case Add i -> "ADD";
            case Env i -> "ENV";
            case Arg i -> "ARG";
            case Workdir i -> "WORKDIR";
            case User i -> "USER";
            case Expose i -> "EXPOSE";
            case Volume i -> "VOLUME";
            case Label i -> "LABEL";
            case Shell i -> "SHELL";
            case StopSignal i -> "STOPSIGNAL";
            case Healthcheck i -> "HEALTHCHECK";
            case OnBuild i -> "ONBUILD";
            case Maintainer i -> "MAINTAINER";
        };
    }

    /**
     * {@code FROM [--platform=P] image [AS name]}.
     *
     * @param stageName lower-cased, or null when there is no {@code AS}
     */
    record From(int line, String text, String image, String stageName, String platform) implements Instruction {
        public From {
            Objects.requireNonNull(image, "image");
        }
    }

    /**
     * {@code RUN [--mount=...] [--network=...] [--security=...] command}. The flags are recorded as written;
     * whether the builder supports them is its own decision.
     *
     * @param heredocs the here-documents named on the line, in order
     */
    record Run(int line, String text, CommandLine command, List<Heredoc> heredocs, List<String> mounts,
               String network, String security) implements Instruction {
        public Run {
            Objects.requireNonNull(command, "command");
            heredocs = List.copyOf(heredocs);
            mounts = List.copyOf(mounts);
        }
    }

    /** {@code CMD}: shell or exec form; a bare {@code CMD} is an empty shell form. */
    record Cmd(int line, String text, CommandLine command) implements Instruction {
        public Cmd {
            Objects.requireNonNull(command, "command");
        }
    }

    /** {@code ENTRYPOINT}: shell or exec form; a bare {@code ENTRYPOINT} is an empty shell form. */
    record Entrypoint(int line, String text, CommandLine command) implements Instruction {
        public Entrypoint {
            Objects.requireNonNull(command, "command");
        }
    }

    /**
     * {@code COPY [--from=S] [--chown=U:G] [--chmod=M] [--link] src... dest}.
     *
     * @param sources  the source paths, heredoc sources left out
     * @param heredocs the heredoc sources ({@code COPY <<EOF /dest}), each written as a file named after it
     */
    record Copy(int line, String text, List<String> sources, List<Heredoc> heredocs, String dest, String from,
                String chown, String chmod, boolean link) implements Instruction {
        public Copy {
            sources = List.copyOf(sources);
            heredocs = List.copyOf(heredocs);
            Objects.requireNonNull(dest, "dest");
        }
    }

    /** {@code ADD [--chown] [--chmod] [--link] [--checksum=D] [--keep-git-dir] src... dest}; see {@link Copy}. */
    record Add(int line, String text, List<String> sources, List<Heredoc> heredocs, String dest, String chown,
               String chmod, boolean link, String checksum, boolean keepGitDir) implements Instruction {
        public Add {
            sources = List.copyOf(sources);
            heredocs = List.copyOf(heredocs);
            Objects.requireNonNull(dest, "dest");
        }
    }

    /** {@code ENV k=v k2="v 2"} or the legacy {@code ENV k the rest of the line}. */
    record Env(int line, String text, List<KeyValue> variables) implements Instruction {
        public Env {
            variables = List.copyOf(variables);
        }
    }

    /** {@code ARG name[=default] ...}: a {@link KeyValue} whose value is null has no default. */
    record Arg(int line, String text, List<KeyValue> args) implements Instruction {
        public Arg {
            args = List.copyOf(args);
        }
    }

    record Workdir(int line, String text, String path) implements Instruction {
        public Workdir {
            Objects.requireNonNull(path, "path");
        }
    }

    record User(int line, String text, String user) implements Instruction {
        public User {
            Objects.requireNonNull(user, "user");
        }
    }

    /** {@code EXPOSE 80 443/tcp 53/udp}: the ports as written; {@link ExposedPort#parse} reads an expanded one. */
    record Expose(int line, String text, List<String> ports) implements Instruction {
        public Expose {
            ports = List.copyOf(ports);
        }

        /** The ports parsed; call it on the expanded instruction. */
        public List<ExposedPort> exposedPorts() {
            List<ExposedPort> out = new ArrayList<>();
            for (String p : ports) out.add(ExposedPort.parse(p));
            return List.copyOf(out);
        }
    }

    /** A port, or a range "8000-8010", and its protocol ("tcp" unless written). */
    record ExposedPort(String port, String protocol) {
        public static ExposedPort parse(String spec) {
            int slash = spec.indexOf('/');
            String port = slash < 0 ? spec : spec.substring(0, slash);
            String proto = slash < 0 ? "tcp" : spec.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
            String[] range = port.split("-", -1);
            if (!port.matches("[0-9]{1,5}(-[0-9]{1,5})?") || Integer.parseInt(range[range.length - 1]) > 65535
                    || Integer.parseInt(range[0]) > Integer.parseInt(range[range.length - 1])) {
                throw new IllegalArgumentException("invalid port \"" + spec + "\": expected PORT[/PROTOCOL] or START-END[/PROTOCOL]");
            }
            if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
                throw new IllegalArgumentException("invalid protocol in port \"" + spec + "\": expected tcp, udp or sctp");
            }
            return new ExposedPort(port, proto);
        }

        @Override
        public String toString() {
            return port + "/" + protocol;
        }
    }

    /** {@code VOLUME ["/a", "/b"]} or {@code VOLUME /a /b}. */
    record Volume(int line, String text, List<String> paths) implements Instruction {
        public Volume {
            paths = List.copyOf(paths);
        }
    }

    /** {@code LABEL k=v "k 2"="v 2"} (or the legacy {@code LABEL k v}). */
    record Label(int line, String text, List<KeyValue> labels) implements Instruction {
        public Label {
            labels = List.copyOf(labels);
        }
    }

    /** {@code SHELL ["/bin/bash", "-c"]}: exec form only. */
    record Shell(int line, String text, List<String> shell) implements Instruction {
        public Shell {
            shell = List.copyOf(shell);
        }
    }

    record StopSignal(int line, String text, String signal) implements Instruction {
        public StopSignal {
            Objects.requireNonNull(signal, "signal");
        }
    }

    /**
     * {@code HEALTHCHECK NONE} (command null) or {@code HEALTHCHECK [--interval=D ...] CMD command}. Durations
     * are in nanoseconds and, like retries, 0 when not given (the image's or Docker's default applies).
     */
    record Healthcheck(int line, String text, CommandLine command, long intervalNanos, long timeoutNanos,
                       long startPeriodNanos, long startIntervalNanos, int retries) implements Instruction {

        /** {@code HEALTHCHECK NONE}: turns off a check inherited from the base image. */
        public boolean disabled() {
            return command == null;
        }

        /** The image config's Test: ["NONE"], ["CMD", args...] or ["CMD-SHELL", command]. */
        public List<String> test() {
            List<String> test = new ArrayList<>();
            switch (command) {
                case null -> test.add("NONE");
                case CommandLine.ExecForm e -> {
                    test.add("CMD");
                    test.addAll(e.args());
                }
                case CommandLine.ShellForm s -> {
                    test.add("CMD-SHELL");
                    test.add(s.command());
                }
            }
            return List.copyOf(test);
        }
    }

    /**
     * {@code ONBUILD RUN make}: the trigger is parsed (and checked) now, and stored in the image as
     * {@code expression}, the text after ONBUILD with any heredoc bodies appended, for a later build to run.
     */
    record OnBuild(int line, String text, Instruction trigger, String expression) implements Instruction {
        public OnBuild {
            Objects.requireNonNull(trigger, "trigger");
            Objects.requireNonNull(expression, "expression");
        }
    }

    /** {@code MAINTAINER name} (deprecated): the builder records it as the image's author. */
    record Maintainer(int line, String text, String maintainer) implements Instruction {
        public Maintainer {
            Objects.requireNonNull(maintainer, "maintainer");
        }
    }
}
