package dev.berth.build.dockerfile;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a Dockerfile's text into logical lines, as BuildKit's {@code parser.Parse} reads it:
 * <ul>
 *   <li>Parser directives ({@code # syntax=...}, {@code # escape=`}, {@code # check=...}) are read only from
 *       the first lines: the first line that is not one (an instruction, another comment, a blank line) ends
 *       them. Each may appear once.</li>
 *   <li>A line whose last non-blank character is the escape character (not itself escaped) continues on the
 *       next line; the escape and the blanks after it are removed, the next line is appended as it is (its
 *       leading white space kept).</li>
 *   <li>Comment lines ({@code #} after optional white space) are dropped, also between continuation lines;
 *       empty lines inside a continuation are skipped. A {@code #} later in a line is not a comment.</li>
 *   <li>Heredoc bodies are read raw, on the parser's request, once it has seen the instruction they follow.</li>
 * </ul>
 */
final class Lexer {
    private static final Pattern DIRECTIVE = Pattern.compile("^([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$");
    private static final Set<String> DIRECTIVES = Set.of("syntax", "escape", "check");

    /** A logical line: the instruction text and the 1-based physical line it starts on. */
    record Line(int number, String text) {}

    private final String fileName;
    private final List<String> lines;
    private int next;
    private char escape = '\\';
    private boolean directivesDone;
    private final Map<String, String> directives = new LinkedHashMap<>();

    Lexer(String text, String fileName) {
        this.fileName = fileName;
        this.lines = splitKeepingEndings(text.startsWith("\uFEFF") ? text.substring(1) : text);
    }

    /** The directives read so far (all of them once the first instruction has been returned). */
    Map<String, String> directives() {
        return Collections.unmodifiableMap(directives);
    }

    char escape() {
        return escape;
    }

    /** The number of the last physical line consumed. */
    int lastLine() {
        return next;
    }

    /** The next logical line, or null at the end of the file. */
    Line next() {
        while (next < lines.size()) {
            int number = ++next;
            String line = trimLeading(trimNewline(lines.get(number - 1)));
            directive(line, number);
            if (isComment(line)) line = "";
            String joined = stripContinuation(line);
            boolean continues = joined != null;
            if (!continues && line.isEmpty()) continue;
            StringBuilder text = new StringBuilder(continues ? joined : line);
            while (continues && next < lines.size()) {
                String more = trimNewline(lines.get(next++));
                directive(more, next);
                if (isComment(more) || trimLeading(more).isEmpty()) continue;
                String part = stripContinuation(more);
                continues = part != null;
                text.append(continues ? part : more);
            }
            return new Line(number, text.toString());
        }
        return null;
    }

    /**
     * Reads a heredoc body: the raw lines up to the one that is exactly {@code name} (after removing leading
     * tabs when {@code chomp}), with their line endings. Returns null when the file ends first.
     */
    String heredoc(String name, boolean chomp) {
        StringBuilder content = new StringBuilder();
        while (next < lines.size()) {
            String raw = lines.get(next++);
            String candidate = trimNewline(raw);
            if (chomp) candidate = candidate.replaceFirst("^\t+", "");
            if (candidate.equals(name)) return content.toString();
            content.append(raw);
        }
        return null;
    }

    private void directive(String line, int number) {
        if (directivesDone) return;
        if (!line.startsWith("#")) {
            directivesDone = true;
            return;
        }
        Matcher m = DIRECTIVE.matcher(trimLeading(line.substring(1)));
        if (!m.matches() || !DIRECTIVES.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
            directivesDone = true;
            return;
        }
        String key = m.group(1).toLowerCase(java.util.Locale.ROOT);
        String value = m.group(2);
        if (directives.containsKey(key)) {
            throw new DockerfileException(fileName, number, "only one " + key + " parser directive can be used");
        }
        if (key.equals("escape")) {
            if (!value.equals("`") && !value.equals("\\")) {
                throw new DockerfileException(fileName, number, "invalid escape token '" + value + "' does not match ` or \\");
            }
            escape = value.charAt(0);
        }
        directives.put(key, value);
    }

    /** The line without its trailing escape (and blanks after it) when it continues, else null. */
    private String stripContinuation(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) end--;
        if (end == 0 || line.charAt(end - 1) != escape) return null;
        if (end >= 2 && line.charAt(end - 2) == escape) return null;
        return line.substring(0, end - 1);
    }

    static boolean isComment(String line) {
        return trimLeading(line).startsWith("#");
    }

    static String trimLeading(String s) {
        int b = 0;
        while (b < s.length() && Substitution.isSpace(s.charAt(b))) b++;
        return s.substring(b);
    }

    /** Go's bytes.TrimRight(line, "\r\n"). */
    static String trimNewline(String s) {
        int e = s.length();
        while (e > 0 && (s.charAt(e - 1) == '\n' || s.charAt(e - 1) == '\r')) e--;
        return s.substring(0, e);
    }

    /** Lines with their "\n" (or "\r\n"); the last one may have none. */
    private static List<String> splitKeepingEndings(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) out.add(text.substring(start));
        return out;
    }
}
