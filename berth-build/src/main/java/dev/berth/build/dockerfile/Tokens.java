package dev.berth.build.dockerfile;

import dev.berth.oci.json.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an instruction's text is cut up before it becomes an {@link Instruction}, following BuildKit's
 * {@code parser/line_parsers.go} and {@code split_command.go}: keyword, leading {@code --flags}, then the
 * arguments as whitespace-separated words, quote-aware words, a JSON array, or the raw rest of the line.
 */
final class Tokens {
    /** BuildKit's {@code [\t\v\f\r ]+}: the separator of FROM, EXPOSE and the COPY/ADD/VOLUME shell form. */
    private static final Pattern WHITESPACE = Pattern.compile("[\\t\\x0B\\f\\r ]+");
    private static final Pattern HEREDOC = Pattern.compile("^(\\d*)<<(-?)([^<]*)$");

    private Tokens() {}

    /** An instruction cut into keyword (as written), flags ({@code --name[=value]}) and the rest, trimmed. */
    record Split(String keyword, List<String> flags, String rest) {}

    static Split split(String line) {
        String[] kw = WHITESPACE.split(trim(line), 2);
        if (kw.length < 2) return new Split(kw[0], List.of(), "");
        List<String> flags = new ArrayList<>();
        String rest = extractFlags(kw[1], flags);
        return new Split(kw[0], List.copyOf(flags), trim(rest));
    }

    /**
     * Takes the leading words that start with {@code --} off {@code line} into {@code flags} (quotes and
     * backslashes inside them are processed) and returns what follows. A lone {@code --} ends the flags.
     */
    private static String extractFlags(String line, List<String> flags) {
        int n = line.length();
        int pos = 0;
        while (true) {
            while (pos < n && Substitution.isSpace(line.charAt(pos))) pos++;
            if (pos >= n) return "";
            if (!line.startsWith("--", pos)) return line.substring(pos);
            StringBuilder word = new StringBuilder();
            char quote = 0;
            for (; pos < n; pos++) {
                char ch = line.charAt(pos);
                if (quote == 0 && Substitution.isSpace(ch)) break;
                if (quote == 0 && (ch == '\'' || ch == '"')) {
                    quote = ch;
                } else if (quote != 0 && ch == quote) {
                    quote = 0;
                } else if (ch == '\\') {
                    if (pos + 1 < n) word.append(line.charAt(++pos));
                    else quote = 0;
                } else {
                    word.append(ch);
                }
            }
            if (word.toString().equals("--")) return pos >= n ? "" : line.substring(pos);
            flags.add(word.toString());
        }
    }

    /** BuildKit's whitespace split; an empty rest has no words. */
    static List<String> whitespaceWords(String rest) {
        if (rest.isEmpty()) return List.of();
        return List.of(WHITESPACE.split(rest, -1));
    }

    /** Splits at the first whitespace run into at most two parts (the legacy {@code ENV key value} form). */
    static String[] splitOnce(String rest) {
        return WHITESPACE.split(rest, 2);
    }

    /**
     * Words separated by white space, where quotes group (and are kept) and the escape character keeps the
     * next character in the word (escape kept too); used by ARG, ENV and LABEL, whose quotes are removed by
     * {@link Substitution} later.
     */
    static List<String> quotedWords(String rest, char escape) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean blankOk = false;
        int quote = 0;
        int[] cps = rest.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int ch = cps[i];
            if (!inWord && quote == 0) {
                if (Substitution.isSpace(ch)) continue;
                inWord = true;
            }
            if (quote == 0) {
                if (Substitution.isSpace(ch)) {
                    if (blankOk || !word.isEmpty()) words.add(word.toString());
                    word.setLength(0);
                    blankOk = false;
                    inWord = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                }
                if (ch == escape) {
                    if (i + 1 == cps.length) continue;
                    word.appendCodePoint(ch);
                    ch = cps[++i];
                }
                word.appendCodePoint(ch);
            } else {
                boolean closes = ch == quote;
                if (ch == escape && quote != '\'') {
                    if (i + 1 == cps.length) {
                        quote = 0;
                        continue;
                    }
                    word.appendCodePoint(ch);
                    ch = cps[++i];
                }
                if (closes) quote = 0;
                word.appendCodePoint(ch);
            }
        }
        if (inWord && (blankOk || !word.isEmpty())) words.add(word.toString());
        return List.copyOf(words);
    }

    /** Thrown for a JSON array that holds something other than strings, which is an error, not shell form. */
    static final String NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only";

    /**
     * The exec form: {@code rest} parsed as a JSON array of strings, or null when it is not a JSON array (then
     * the instruction is in shell form).
     *
     * @throws IllegalArgumentException for a JSON array with a non-string element
     */
    static List<String> jsonArray(String rest) {
        String s = rest.stripLeading();
        if (!s.startsWith("[")) return null;
        Object parsed;
        try {
            parsed = Json.parse(s, "json");
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (!(parsed instanceof List<?> list)) return null;
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String str)) throw new IllegalArgumentException(NOT_STRINGS);
            out.add(str);
        }
        return List.copyOf(out);
    }

    /** A {@code <<WORD} heredoc marker found on an instruction's line (before its body is read). */
    record Marker(String name, boolean expand, boolean chomp, int fileDescriptor) {}

    /** The heredoc markers on a RUN/COPY/ADD line, in order (words lexed as BuildKit does, raw). */
    static List<Marker> heredocMarkers(String line) {
        List<String> words;
        try {
            words = Substitution.lex(line, java.util.Map.of(), '\\', true, true, true, false).words();
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        List<Marker> markers = new ArrayList<>();
        for (String w : words) {
            Marker m = heredocMarker(w);
            if (m != null) markers.add(m);
        }
        return markers;
    }

    /** The marker a single word is ({@code <<EOF}, {@code <<-"EOF"}, {@code 3<<EOF}), or null. */
    static Marker heredocMarker(String word) {
        Matcher m = HEREDOC.matcher(word);
        if (!m.matches() || m.group(3).isEmpty()) return null;
        String rest = m.group(3);
        List<String> words = Substitution.lex(rest, java.util.Map.of(), '\\', false, false, true, false).words();
        if (words.size() != 1) return null;
        List<String> raw = Substitution.lex(rest, java.util.Map.of(), '\\', true, false, true, false).words();
        if (raw.size() != 1) return null;
        boolean expand = quotes(words.getFirst()) == quotes(raw.getFirst());
        int fd = m.group(1).isEmpty() ? 0 : Integer.parseInt(m.group(1));
        return new Marker(words.getFirst(), expand, m.group(2).equals("-"), fd);
    }

    private static long quotes(String s) {
        return s.chars().filter(c -> c == '\'' || c == '"').count();
    }

    /** Go's strings.TrimSpace. */
    static String trim(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && Substitution.isSpace(s.charAt(b))) b++;
        while (e > b && Substitution.isSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }
}
