package dev.berth.build.dockerfile;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code .dockerignore} file: which paths of the build context the builder leaves out, with Docker's rules
 * (moby/patternmatcher and its {@code ignorefile} reader):
 * <ul>
 *   <li>One pattern a line; lines starting with {@code #} are comments, blank lines are skipped, surrounding
 *       white space is removed. Patterns are cleaned like paths ({@code ./a//b/} is {@code a/b}) and a leading
 *       {@code /} is dropped: every pattern is relative to the context root.</li>
 *   <li>{@code *} matches any run of characters but {@code /}, {@code ?} one such character, {@code [a-z]} a
 *       class; {@code **} matches any number of directories (also none); {@code \} escapes.</li>
 *   <li>{@code !pattern} re-includes what an earlier pattern excluded. Patterns are applied in order and the
 *       last one that matches a path decides.</li>
 *   <li>A pattern that matches a directory excludes everything under it: {@code excluded("a/b/c")} is true
 *       when a pattern matches {@code a} or {@code a/b}.</li>
 * </ul>
 * The Dockerfile and the .dockerignore file can be excluded like any other path: the builder still reads them,
 * they are only left out of what COPY and ADD can see.
 */
public final class Dockerignore {
    private enum Kind { EXACT, PREFIX, SUFFIX, REGEX }

    private record Rule(String pattern, boolean exclusion, Kind kind, Pattern regex) {}

    private final List<Rule> rules;

    private Dockerignore(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Nothing ignored: the context has no .dockerignore. */
    public static Dockerignore empty() {
        return new Dockerignore(List.of());
    }

    /**
     * Parses a .dockerignore file's text.
     *
     * @throws IllegalArgumentException naming the line, for {@code !} alone or a malformed pattern such as {@code [a}
     */
    public static Dockerignore parse(String text) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == 0 && line.startsWith("\uFEFF")) line = line.substring(1);
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.startsWith("#")) continue;
            String pattern = Tokens.trim(line);
            if (pattern.isEmpty()) continue;
            boolean exclusion = pattern.charAt(0) == '!';
            if (exclusion) pattern = Tokens.trim(pattern.substring(1));
            if (!pattern.isEmpty()) {
                pattern = clean(pattern);
                if (pattern.length() > 1 && pattern.charAt(0) == '/') pattern = pattern.substring(1);
            }
            if (exclusion && pattern.isEmpty()) {
                throw new IllegalArgumentException(".dockerignore: line " + (i + 1) + ": illegal exclusion pattern: \"!\"");
            }
            try {
                rules.add(rule(pattern, exclusion));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(".dockerignore: line " + (i + 1) + ": invalid pattern \""
                        + pattern + "\": syntax error in pattern", e);
            }
        }
        return new Dockerignore(rules);
    }

    /** The patterns as cleaned, exceptions with their leading {@code !}. */
    public List<String> patterns() {
        return rules.stream().map(r -> (r.exclusion() ? "!" : "") + r.pattern()).toList();
    }

    /**
     * Whether the path (relative to the context root, {@code /} separated; a leading {@code /} or {@code ./} is
     * ignored) is left out of the build context. The context root itself never is.
     */
    public boolean excluded(String relativePath) {
        String file = clean(relativePath);
        while (file.startsWith("/")) file = file.substring(1);
        if (file.isEmpty() || file.equals(".")) return false;
        int slash = file.lastIndexOf('/');
        String[] parents = slash < 0 ? new String[0] : file.substring(0, slash).split("/");
        boolean matched = false;
        for (Rule rule : rules) {
            if (rule.exclusion() != matched) continue;
            boolean match = matches(rule, file);
            StringBuilder parent = new StringBuilder();
            for (int i = 0; !match && i < parents.length; i++) {
                if (i > 0) parent.append('/');
                parent.append(parents[i]);
                match = matches(rule, parent.toString());
            }
            if (match) matched = !rule.exclusion();
        }
        return matched;
    }

    private static boolean matches(Rule rule, String path) {
        String p = rule.pattern();
        return switch (rule.kind()) {
            case EXACT -> path.equals(p);
            case PREFIX -> path.startsWith(p.substring(0, p.length() - 2));
            case SUFFIX -> {
                String suffix = p.substring(2);
                yield path.endsWith(suffix) || (suffix.startsWith("/") && path.equals(suffix.substring(1)));
            }
            case REGEX -> rule.regex().matcher(path).matches();
        };
    }

    /** patternmatcher's compile: the fast exact/prefix/suffix forms, else a regex. */
    private static Rule rule(String pattern, boolean exclusion) {
        StringBuilder re = new StringBuilder();
        Kind kind = Kind.EXACT;
        int[] cps = pattern.codePoints().toArray();
        for (int i = 0, step = 0; i < cps.length; i++, step++) {
            int ch = cps[i];
            if (ch == '*' && i + 1 < cps.length && cps[i + 1] == '*') {
                i++;
                if (i + 1 < cps.length && cps[i + 1] == '/') i++;
                if (i + 1 >= cps.length) {
                    if (kind == Kind.EXACT) {
                        kind = Kind.PREFIX;
                    } else {
                        re.append(".*");
                        kind = Kind.REGEX;
                    }
                } else {
                    re.append("(.*/)?");
                    kind = Kind.REGEX;
                }
                if (step == 0) kind = Kind.SUFFIX;
            } else if (ch == '*') {
                re.append("[^/]*");
                kind = Kind.REGEX;
            } else if (ch == '?') {
                re.append("[^/]");
                kind = Kind.REGEX;
            } else if (".+()|{}$".indexOf(ch) >= 0) {
                re.append('\\').appendCodePoint(ch);
            } else if (ch == '\\') {
                if (i + 1 < cps.length) {
                    re.append('\\').appendCodePoint(cps[++i]);
                    kind = Kind.REGEX;
                } else {
                    re.append('\\');
                }
            } else if (ch == '[' || ch == ']') {
                re.appendCodePoint(ch);
                kind = Kind.REGEX;
            } else {
                re.appendCodePoint(ch);
            }
        }
        Pattern regex = Pattern.compile(re.toString());
        return new Rule(pattern, exclusion, kind, kind == Kind.REGEX ? regex : null);
    }

    /** Go's path.Clean: one slash between elements, no "." elements, ".." resolved lexically, no trailing slash. */
    static String clean(String path) {
        if (path.isEmpty()) return ".";
        boolean rooted = path.startsWith("/");
        Deque<String> out = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                if (!out.isEmpty() && !out.peekLast().equals("..")) out.removeLast();
                else if (!rooted) out.addLast("..");
            } else {
                out.addLast(part);
            }
        }
        String joined = String.join("/", out);
        if (rooted) return "/" + joined;
        return joined.isEmpty() ? "." : joined;
    }
}
