package dev.berth.build.dockerfile;

import dev.berth.build.dockerfile.Instruction.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which words of which instruction {@link Dockerfile#expand} substitutes: the list in Docker's "Environment
 * replacement" documentation, with BuildKit's details (each EXPOSE port may split into several; heredoc bodies
 * keep their quotes; RUN expands only its flags).
 */
final class Expansion {
    private Expansion() {}

    static Instruction expand(Instruction ins, Map<String, String> env, char escape) {
        Word w = word -> word == null ? null : Substitution.expand(word, env, escape);
        return switch (ins) {
            case From f -> new From(f.line(), f.text(), w.x(f.image()), f.stageName(), w.x(f.platform()));
            case Env e -> new Env(e.line(), e.text(), pairs(e.variables(), w, true));
            case Label l -> new Label(l.line(), l.text(), pairs(l.labels(), w, true));
            case Arg a -> new Arg(a.line(), a.text(), pairs(a.args(), w, false));
            case Copy c -> new Copy(c.line(), c.text(), all(c.sources(), w), heredocs(c.heredocs(), env),
                    w.x(c.dest()), w.x(c.from()), w.x(c.chown()), w.x(c.chmod()), c.link());
            case Add a -> new Add(a.line(), a.text(), all(a.sources(), w), heredocs(a.heredocs(), env),
                    w.x(a.dest()), w.x(a.chown()), w.x(a.chmod()), a.link(), w.x(a.checksum()), a.keepGitDir());
            case Expose e -> {
                List<String> ports = new ArrayList<>();
                for (String p : e.ports()) ports.addAll(Substitution.words(p, env, escape));
                yield new Expose(e.line(), e.text(), ports);
            }
            case Volume v -> new Volume(v.line(), v.text(), all(v.paths(), w));
            case User u -> new User(u.line(), u.text(), w.x(u.user()));
            case Workdir d -> new Workdir(d.line(), d.text(), w.x(d.path()));
            case StopSignal s -> new StopSignal(s.line(), s.text(), w.x(s.signal()));
            case Run r -> new Run(r.line(), r.text(), r.command(), r.heredocs(), all(r.mounts(), w),
                    w.x(r.network()), w.x(r.security()));
            case Cmd c -> c;
            case Entrypoint e -> e;
            case Shell s -> s;
            case Healthcheck h -> h;
            case OnBuild o -> o;
            case Maintainer m -> m;
        };
    }

    @FunctionalInterface
    private interface Word {
        String x(String word);
    }

    private static List<String> all(List<String> words, Word w) {
        return words.stream().map(w::x).toList();
    }

    private static List<KeyValue> pairs(List<KeyValue> pairs, Word w, boolean keys) {
        return pairs.stream().map(kv -> new KeyValue(keys ? w.x(kv.key()) : kv.key(), w.x(kv.value()))).toList();
    }

    private static List<Heredoc> heredocs(List<Heredoc> heredocs, Map<String, String> env) {
        return heredocs.stream().map(h -> !h.expand() ? h
                : new Heredoc(h.name(), Substitution.expandHeredoc(h.content(), env), true, h.chomp(), h.fileDescriptor()))
                .toList();
    }
}
