package dev.berth.build.dockerfile;

import dev.berth.build.dockerfile.Flags.Kind;
import dev.berth.build.dockerfile.Instruction.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Builds {@link Instruction}s from the {@link Lexer}'s logical lines and groups them into stages, with
 * BuildKit's rules ({@code parser/line_parsers.go} for how each instruction's arguments are read,
 * {@code instructions/parse.go} for what each requires). Every error names the file and the instruction's line.
 */
final class Parser {
    private static final Pattern STAGE_NAME = Pattern.compile("[a-z][a-z0-9\\-_.]*");
    private static final Pattern ONBUILD_PREFIX = Pattern.compile("(?i)^\\s*ONBUILD\\s*");
    private static final Pattern LEADING_TABS = Pattern.compile("(?md)^\t+");

    private final Lexer lexer;
    private final String fileName;

    private Parser(String text, String fileName) {
        this.fileName = fileName;
        this.lexer = new Lexer(text, fileName);
    }

    static Dockerfile parse(String text, String fileName) {
        Parser p = new Parser(text, fileName);
        List<Arg> globalArgs = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        Map<String, Integer> stageLines = new HashMap<>();
        From from = null;
        List<Instruction> body = new ArrayList<>();
        int count = 0;
        for (Lexer.Line l = p.lexer.next(); l != null; l = p.lexer.next()) {
            Instruction ins = p.instruction(l.number(), l.text());
            count++;
            if (ins instanceof From f) {
                if (from != null) stages.add(new Stage(from, body));
                if (f.stageName() != null && stageLines.putIfAbsent(f.stageName(), f.line()) != null) {
                    throw p.error(f.line(), "duplicate stage name \"" + f.stageName() + "\" (first used on line "
                            + stageLines.get(f.stageName()) + ")");
                }
                from = f;
                body = new ArrayList<>();
            } else if (from != null) {
                body.add(ins);
            } else if (ins instanceof Arg a) {
                globalArgs.add(a);
            } else {
                throw p.error(ins.line(), "no FROM before " + ins.keyword());
            }
        }
        if (count == 0) throw new DockerfileException(fileName, 0, "file has no instructions");
        if (from == null) throw new DockerfileException(fileName, 0, "file has no FROM instruction");
        stages.add(new Stage(from, body));
        return new Dockerfile(fileName, p.lexer.escape(), p.lexer.directives(), globalArgs, stages);
    }

    private DockerfileException error(int line, String problem) {
        return new DockerfileException(fileName, line, problem);
    }

    /** One instruction from its logical line; ONBUILD calls it again for its trigger. */
    private Instruction instruction(int line, String logical) {
        Tokens.Split s = Tokens.split(logical);
        String text = Tokens.trim(logical);
        try {
            return switch (s.keyword().toUpperCase(Locale.ROOT)) {
                case "FROM" -> from(line, text, s);
                case "RUN" -> run(line, text, s);
                case "CMD" -> new Cmd(line, text, command(s, "CMD"));
                case "ENTRYPOINT" -> new Entrypoint(line, text, command(s, "ENTRYPOINT"));
                case "COPY", "ADD" -> copyOrAdd(line, text, s);
                case "ENV" -> new Env(line, text, keyValues(s, "ENV"));
                case "LABEL" -> new Label(line, text, keyValues(s, "LABEL"));
                case "ARG" -> new Arg(line, text, args(s));
                case "WORKDIR" -> new Workdir(line, text, single(s, "WORKDIR"));
                case "USER" -> new User(line, text, single(s, "USER"));
                case "STOPSIGNAL" -> new StopSignal(line, text, single(s, "STOPSIGNAL"));
                case "MAINTAINER" -> new Maintainer(line, text, single(s, "MAINTAINER"));
                case "EXPOSE" -> new Expose(line, text, atLeastOne(s, "EXPOSE", Tokens.whitespaceWords(s.rest())));
                case "VOLUME" -> new Volume(line, text, volumes(s));
                case "SHELL" -> new Shell(line, text, shell(s));
                case "HEALTHCHECK" -> healthcheck(line, text, s);
                case "ONBUILD" -> onBuild(line, text, s);
                default -> throw error(line, "unknown instruction: " + s.keyword());
            };
        } catch (DockerfileException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw error(line, e.getMessage());
        }
    }

    private static IllegalArgumentException problem(String message) {
        return new IllegalArgumentException(message);
    }

    private static Flags noFlags(Tokens.Split s, String keyword) {
        return Flags.parse(s.flags(), keyword, Map.of());
    }

    private From from(int line, String text, Tokens.Split s) {
        Flags flags = Flags.parse(s.flags(), "FROM", Map.of("platform", Kind.STRING));
        List<String> args = Tokens.whitespaceWords(s.rest());
        String name = null;
        if (args.size() == 3 && args.get(1).equalsIgnoreCase("as")) {
            name = args.get(2).toLowerCase(Locale.ROOT);
            if (!STAGE_NAME.matcher(name).matches()) {
                throw problem("invalid name for build stage: \"" + args.get(2)
                        + "\", name can't start with a number or contain symbols");
            }
        } else if (args.size() != 1) {
            throw problem("FROM requires either one or three arguments");
        }
        return new From(line, text, args.getFirst(), name, flags.string("platform"));
    }

    private Run run(int line, String text, Tokens.Split s) {
        Flags flags = Flags.parse(s.flags(), "RUN",
                Map.of("mount", Kind.REPEATED, "network", Kind.STRING, "security", Kind.STRING));
        List<String> json = Tokens.jsonArray(s.rest());
        if (s.rest().isEmpty() || (json != null && json.isEmpty())) throw problem("RUN requires at least one argument");
        CommandLine command = json != null ? new CommandLine.ExecForm(json) : new CommandLine.ShellForm(s.rest());
        List<Heredoc> heredocs = json != null ? List.of() : heredocs(line, text);
        return new Run(line, text, command, heredocs, flags.all("mount"), flags.string("network"),
                flags.string("security"));
    }

    /** CMD and ENTRYPOINT: exec form when the rest is a JSON array of strings, else shell form (maybe empty). */
    private static CommandLine command(Tokens.Split s, String keyword) {
        noFlags(s, keyword);
        List<String> json = Tokens.jsonArray(s.rest());
        return json != null ? new CommandLine.ExecForm(json) : new CommandLine.ShellForm(s.rest());
    }

    private Instruction copyOrAdd(int line, String text, Tokens.Split s) {
        String keyword = s.keyword().toUpperCase(Locale.ROOT);
        boolean copy = keyword.equals("COPY");
        List<String> json = Tokens.jsonArray(s.rest());
        List<String> args = json != null ? json : Tokens.whitespaceWords(s.rest());
        if (args.size() < 2) throw problem(keyword + " requires at least two arguments");
        Flags flags = Flags.parse(s.flags(), keyword, copy
                ? Map.of("from", Kind.STRING, "chown", Kind.STRING, "chmod", Kind.STRING, "link", Kind.BOOL)
                : Map.of("chown", Kind.STRING, "chmod", Kind.STRING, "link", Kind.BOOL,
                         "checksum", Kind.STRING, "keep-git-dir", Kind.BOOL));
        String dest = args.getLast();
        if (json == null && marker(dest) != null) throw problem(keyword + " cannot accept a heredoc as a destination");
        List<Heredoc> read = json != null ? List.of() : heredocs(line, text);
        List<String> sources = new ArrayList<>();
        List<Heredoc> heredocs = new ArrayList<>();
        for (String src : args.subList(0, args.size() - 1)) {
            Tokens.Marker m = json != null ? null : marker(src);
            if (m == null) {
                sources.add(src);
            } else {
                heredocs.add(read.stream().filter(h -> h.name().equals(m.name())).findFirst()
                        .orElse(new Heredoc(m.name(), "", m.expand(), m.chomp(), m.fileDescriptor())));
            }
        }
        return copy
                ? new Copy(line, text, sources, heredocs, dest, flags.string("from"), flags.string("chown"),
                        flags.string("chmod"), flags.bool("link"))
                : new Add(line, text, sources, heredocs, dest, flags.string("chown"), flags.string("chmod"),
                        flags.bool("link"), flags.string("checksum"), flags.bool("keep-git-dir"));
    }

    private static Tokens.Marker marker(String word) {
        try {
            return Tokens.heredocMarker(word);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Reads the bodies of the heredocs named on a RUN/COPY/ADD line, which follow it in the file. */
    private List<Heredoc> heredocs(int line, String text) {
        if (!text.contains("<<")) return List.of();
        List<Heredoc> out = new ArrayList<>();
        for (Tokens.Marker m : Tokens.heredocMarkers(text)) {
            String body = lexer.heredoc(m.name(), m.chomp());
            if (body == null) throw error(line, "unterminated heredoc <<" + (m.chomp() ? "-" : "") + m.name());
            if (m.chomp()) body = LEADING_TABS.matcher(body).replaceAll("");
            out.add(new Heredoc(m.name(), body, m.expand(), m.chomp(), m.fileDescriptor()));
        }
        return out;
    }

    /** ENV and LABEL: {@code k=v ...}, or the legacy {@code k v} where v is the rest of the line. */
    private List<KeyValue> keyValues(Tokens.Split s, String keyword) {
        noFlags(s, keyword);
        List<String> words = Tokens.quotedWords(s.rest(), lexer.escape());
        if (words.isEmpty()) throw problem(keyword + " requires at least one argument");
        if (!words.getFirst().contains("=")) {
            String[] parts = Tokens.splitOnce(s.rest());
            if (parts.length < 2) throw problem(keyword + " must have two arguments");
            return List.of(new KeyValue(parts[0], parts[1]));
        }
        List<KeyValue> pairs = new ArrayList<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq < 0) throw problem("can't find = in \"" + w + "\": " + keyword + " must be of the form name=value");
            if (eq == 0) throw problem(keyword + " names can not be blank");
            pairs.add(new KeyValue(w.substring(0, eq), w.substring(eq + 1)));
        }
        return pairs;
    }

    private List<KeyValue> args(Tokens.Split s) {
        noFlags(s, "ARG");
        List<String> words = Tokens.quotedWords(s.rest(), lexer.escape());
        if (words.isEmpty()) throw problem("ARG requires at least one argument");
        List<KeyValue> args = new ArrayList<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq == 0) throw problem("ARG names can not be blank");
            args.add(eq < 0 ? new KeyValue(w, null) : new KeyValue(w.substring(0, eq), w.substring(eq + 1)));
        }
        return args;
    }

    /** WORKDIR, USER, STOPSIGNAL, MAINTAINER: the whole rest of the line is the one argument. */
    private static String single(Tokens.Split s, String keyword) {
        noFlags(s, keyword);
        if (s.rest().isEmpty()) throw problem(keyword + " requires exactly one argument");
        return s.rest();
    }

    private static List<String> atLeastOne(Tokens.Split s, String keyword, List<String> args) {
        noFlags(s, keyword);
        if (args.isEmpty()) throw problem(keyword + " requires at least one argument");
        return args;
    }

    private static List<String> volumes(Tokens.Split s) {
        List<String> json = Tokens.jsonArray(s.rest());
        List<String> paths = new ArrayList<>();
        for (String v : atLeastOne(s, "VOLUME", json != null ? json : Tokens.whitespaceWords(s.rest()))) {
            String p = Tokens.trim(v);
            if (p.isEmpty()) throw problem("VOLUME specified can not be an empty string");
            paths.add(p);
        }
        return paths;
    }

    private static List<String> shell(Tokens.Split s) {
        noFlags(s, "SHELL");
        if (s.rest().isEmpty()) throw problem("SHELL requires at least one argument");
        List<String> json = Tokens.jsonArray(s.rest());
        if (json == null) throw problem("SHELL requires the exec form (a JSON array)");
        if (json.isEmpty()) throw problem("SHELL requires at least one argument");
        return json;
    }

    private static Healthcheck healthcheck(int line, String text, Tokens.Split s) {
        Flags flags = Flags.parse(s.flags(), "HEALTHCHECK", Map.of("interval", Kind.STRING, "timeout", Kind.STRING,
                "start-period", Kind.STRING, "start-interval", Kind.STRING, "retries", Kind.STRING));
        String rest = s.rest();
        if (rest.isEmpty()) throw problem("HEALTHCHECK requires at least one argument");
        int sep = 0;
        while (sep < rest.length() && !Substitution.isSpace(rest.charAt(sep))) sep++;
        String type = rest.substring(0, sep).toUpperCase(Locale.ROOT);
        String cmd = Tokens.trim(rest.substring(sep));
        if (type.equals("NONE")) {
            if (!cmd.isEmpty()) throw problem("HEALTHCHECK NONE takes no arguments");
            return new Healthcheck(line, text, null, 0, 0, 0, 0, 0);
        }
        if (!type.equals("CMD")) throw problem("unknown type \"" + type + "\" in HEALTHCHECK (try CMD)");
        List<String> json = Tokens.jsonArray(cmd);
        if (json != null ? json.isEmpty() : cmd.isEmpty()) throw problem("missing command after HEALTHCHECK CMD");
        CommandLine command = json != null ? new CommandLine.ExecForm(json) : new CommandLine.ShellForm(cmd);
        int retries = 0;
        String r = flags.string("retries");
        if (r != null && !r.isEmpty()) {
            try {
                retries = Integer.parseInt(r);
            } catch (NumberFormatException e) {
                throw problem("invalid HEALTHCHECK --retries \"" + r + "\": not an integer");
            }
            if (retries < 0) throw problem("invalid HEALTHCHECK --retries \"" + r + "\": can not be negative");
        }
        return new Healthcheck(line, text, command, duration(flags, "interval"), duration(flags, "timeout"),
                duration(flags, "start-period"), duration(flags, "start-interval"), retries);
    }

    /** A HEALTHCHECK duration flag in nanoseconds: 0 when absent or zero, else at least 1ms. */
    private static long duration(Flags flags, String name) {
        String v = flags.string(name);
        if (v == null || v.isEmpty()) return 0;
        long nanos;
        try {
            nanos = GoDuration.parseNanos(v);
        } catch (IllegalArgumentException e) {
            throw problem("invalid HEALTHCHECK --" + name + " \"" + v + "\": " + e.getMessage());
        }
        if (nanos != 0 && nanos < 1_000_000) {
            throw problem("invalid HEALTHCHECK --" + name + " \"" + v + "\": must be at least 1ms");
        }
        return nanos;
    }

    private OnBuild onBuild(int line, String text, Tokens.Split s) {
        noFlags(s, "ONBUILD");
        if (s.rest().isEmpty()) throw problem("ONBUILD requires at least one argument");
        String trigger = Tokens.split(s.rest()).keyword().toUpperCase(Locale.ROOT);
        switch (trigger) {
            case "ONBUILD" -> throw problem("chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "FROM", "MAINTAINER" -> throw problem(trigger + " isn't allowed as an ONBUILD trigger");
            default -> { }
        }
        Instruction nested = instruction(line, s.rest());
        StringBuilder expression = new StringBuilder(ONBUILD_PREFIX.matcher(text).replaceFirst(""));
        List<Heredoc> heredocs = switch (nested) {
            case Run r -> r.heredocs();
            case Copy c -> c.heredocs();
            case Add a -> a.heredocs();
            default -> List.of();
        };
        for (Heredoc h : heredocs) expression.append('\n').append(h.content()).append(h.name());
        return new OnBuild(line, text, nested, expression.toString());
    }
}
