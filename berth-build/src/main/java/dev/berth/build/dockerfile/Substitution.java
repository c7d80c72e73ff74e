package dev.berth.build.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Variable substitution and quote removal for the words of ADD, COPY, ENV, EXPOSE, FROM, LABEL, STOPSIGNAL, USER,
 * VOLUME and WORKDIR, with Docker's shell-word rules (BuildKit's {@code shell.Lex}):
 * <ul>
 *   <li>{@code $var} and {@code ${var}}; an unset variable is empty. {@code $1}, {@code $@} and the other
 *       special parameters are names too (never set, so empty). A {@code $} before anything else stays.</li>
 *   <li>{@code ${var:-word}} word if var is unset or empty, {@code ${var-word}} only if unset;
 *       {@code ${var:+word}} word if var is set and not empty, {@code ${var+word}} if set;
 *       {@code ${var:?msg}} / {@code ${var?msg}} fail; {@code ${var#pat}} {@code ##} {@code %} {@code %%}
 *       remove a prefix/suffix matching a shell pattern ({@code *}, {@code ?}); {@code ${var/pat/rep}} and
 *       {@code ${var//pat/rep}} replace the first/every match.</li>
 *   <li>'single quotes' keep everything literally; "double quotes" keep everything but {@code $} expansions and
 *       escaped {@code "}, {@code $} and escape characters. Quotes are removed.</li>
 *   <li>The escape character (the file's, {@code \} or {@code `}) outside quotes makes the next character
 *       literal ({@code \$HOME} stays {@code $HOME}); at the very end it is dropped.</li>
 * </ul>
 * Errors are {@link IllegalArgumentException}s naming the word: {@code failed to process "${a": syntax error:
 * missing '}'}; {@link Dockerfile#expand} adds the file and line.
 */
public final class Substitution {
    private static final int EOF = -1;

    private final int[] src;
    private int pos;
    private final Map<String, String> env;
    private final int escape;
    private final boolean rawQuotes;
    private final boolean skipUnset;
    private final boolean skipQuotes;
    private boolean rawEscapes;

    private Substitution(String text, Map<String, String> env, char escape, boolean rawQuotes, boolean rawEscapes,
                         boolean skipUnset, boolean skipQuotes) {
        this.src = text.codePoints().toArray();
        this.env = env;
        this.escape = escape;
        this.rawQuotes = rawQuotes;
        this.rawEscapes = rawEscapes;
        this.skipUnset = skipUnset;
        this.skipQuotes = skipQuotes;
    }

    /** The result of one pass: the whole text processed, and the same split into words. */
    record Result(String word, List<String> words) {}

    /** Expands {@code word} as one word: whitespace is kept, quotes are removed. */
    public static String expand(String word, Map<String, String> env, char escape) {
        return lex(word, env, escape, false, false, false, false).word();
    }

    /**
     * Expands {@code text} and splits it into words at unquoted whitespace; whitespace that comes from a
     * variable's value splits too ({@code $LIST} with "a b" gives two words), quoted whitespace does not.
     */
    public static List<String> words(String text, Map<String, String> env, char escape) {
        return lex(text, env, escape, false, false, false, false).words();
    }

    /**
     * Expands the content of a COPY/ADD heredoc whose delimiter was not quoted: only {@code $} references and
     * backslash escapes are processed, quotes stay as they are.
     */
    public static String expandHeredoc(String content, Map<String, String> env) {
        return lex(content, env, '\\', false, false, false, true).word();
    }

    /** One pass with BuildKit's lexer switches (RawQuotes, RawEscapes, SkipUnsetEnv, SkipProcessQuotes). */
    static Result lex(String text, Map<String, String> env, char escape, boolean rawQuotes, boolean rawEscapes,
                      boolean skipUnset, boolean skipQuotes) {
        Substitution s = new Substitution(text, env, escape, rawQuotes, rawEscapes, skipUnset, skipQuotes);
        try {
            return s.processStopOn(EOF, rawEscapes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("failed to process \"" + text + "\": " + e.getMessage(), e);
        }
    }

    private int peek() {
        return pos < src.length ? src[pos] : EOF;
    }

    private int next() {
        return pos < src.length ? src[pos++] : EOF;
    }

    private Result processStopOn(int stop, boolean raw) {
        boolean saved = rawEscapes;
        rawEscapes = raw;
        try {
            StringBuilder result = new StringBuilder();
            Words words = new Words();
            while (peek() != EOF) {
                int ch = peek();
                if (stop != EOF && ch == stop) {
                    next();
                    return new Result(result.toString(), words.get());
                }
                if (ch == '$') {
                    String value = dollar();
                    result.append(value);
                    words.addString(value);
                } else if (!skipQuotes && (ch == '\'' || ch == '"')) {
                    String quoted = ch == '\'' ? singleQuoted() : doubleQuoted();
                    result.append(quoted);
                    words.addRaw(quoted);
                } else {
                    ch = next();
                    if (ch == escape) {
                        if (rawEscapes) {
                            words.addRawChar(ch);
                            result.appendCodePoint(ch);
                        }
                        ch = next();
                        if (ch == EOF) break;
                        words.addRawChar(ch);
                    } else {
                        words.addChar(ch);
                    }
                    result.appendCodePoint(ch);
                }
            }
            if (stop != EOF) {
                throw new IllegalArgumentException("unexpected end of statement while looking for matching "
                        + Character.toString(stop));
            }
            return new Result(result.toString(), words.get());
        } finally {
            rawEscapes = saved;
        }
    }

    private String singleQuoted() {
        StringBuilder result = new StringBuilder();
        int ch = next();
        if (rawQuotes) result.appendCodePoint(ch);
        while (true) {
            ch = next();
            if (ch == EOF) {
                throw new IllegalArgumentException("unexpected end of statement while looking for matching single-quote");
            }
            if (ch == '\'') {
                if (rawQuotes) result.appendCodePoint(ch);
                return result.toString();
            }
            result.appendCodePoint(ch);
        }
    }

    private String doubleQuoted() {
        StringBuilder result = new StringBuilder();
        int ch = next();
        if (rawQuotes) result.appendCodePoint(ch);
        while (true) {
            int p = peek();
            if (p == EOF) {
                throw new IllegalArgumentException("unexpected end of statement while looking for matching double-quote");
            }
            if (p == '"') {
                next();
                if (rawQuotes) result.append('"');
                return result.toString();
            }
            if (p == '$') {
                result.append(dollar());
                continue;
            }
            ch = next();
            if (ch == escape) {
                if (rawEscapes) result.appendCodePoint(ch);
                int q = peek();
                if (q == EOF) continue;
                if (q == '"' || q == '$' || q == escape) ch = next();
            }
            result.appendCodePoint(ch);
        }
    }

    private String dollar() {
        next();
        if (peek() != '{') {
            String name = name();
            if (name.isEmpty()) return "$";
            String value = env.get(name);
            if (value == null) return skipUnset ? "$" + name : "";
            return value;
        }
        next();
        int p = peek();
        if (p == EOF) throw new IllegalArgumentException("syntax error: missing '}'");
        if (p == '{' || p == '}' || p == ':') throw new IllegalArgumentException("syntax error: bad substitution");
        String name = name();
        int ch = next();
        if (ch == EOF) throw new IllegalArgumentException("syntax error: missing '}'");
        String modifier = Character.toString(ch);
        boolean nullIsUnset = false;
        if (ch == '}') {
            String value = env.get(name);
            if (value == null) return skipUnset ? "${" + name + "}" : "";
            return value;
        }
        if (ch == '/') return replace(name);
        if (ch == ':') {
            nullIsUnset = true;
            ch = next();
            if (ch == EOF) throw new IllegalArgumentException("syntax error: missing '}'");
            modifier += Character.toString(ch);
        }
        if ("+-?#%".indexOf(ch) < 0) {
            throw new IllegalArgumentException("unsupported modifier (" + modifier + ") in substitution");
        }
        String word = untilClosing('}', ch == '#' || ch == '%', "syntax error: missing '}'");
        String value = env.get(name);
        boolean set = value != null;
        if (!set && skipUnset) return "${" + name + modifier + word + "}";
        boolean empty = !set || (nullIsUnset && value.isEmpty());
        return switch (ch) {
            case '-' -> empty ? word : value;
            case '+' -> empty ? "" : word;
            case '?' -> {
                if (!set) throw new IllegalArgumentException(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                if (empty) throw new IllegalArgumentException(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                yield value;
            }
            default -> {
                boolean longest = !word.isEmpty() && word.charAt(0) == ch;
                String pattern = longest ? word.substring(1) : word;
                yield ch == '#' ? trimPrefix(value == null ? "" : value, pattern, longest)
                        : trimSuffix(value == null ? "" : value, pattern, longest);
            }
        };
    }

    private String untilClosing(int stop, boolean raw, String missing) {
        try {
            return processStopOn(stop, raw).word();
        } catch (IllegalArgumentException e) {
            if (peek() == EOF) throw new IllegalArgumentException(missing);
            throw e;
        }
    }

    private String replace(String name) {
        boolean all = peek() == '/';
        if (all) next();
        String pattern = untilClosing('/', true, "syntax error: missing '/' in ${}");
        String replacement = untilClosing('}', true, "syntax error: missing '}'");
        String value = env.get(name);
        if (value == null && skipUnset) return "${" + name + "/" + pattern + "/" + replacement + "}";
        if (value == null) value = "";
        var matcher = shellPattern(pattern).matcher(value);
        String literal = java.util.regex.Matcher.quoteReplacement(replacement);
        return all ? matcher.replaceAll(literal) : matcher.replaceFirst(literal);
    }

    private String name() {
        StringBuilder name = new StringBuilder();
        while (peek() != EOF) {
            int ch = peek();
            if (name.isEmpty() && Character.isDigit(ch)) {
                while (peek() != EOF && Character.isDigit(peek())) name.appendCodePoint(next());
                return name.toString();
            }
            if (name.isEmpty() && "@*#?-$!0".indexOf(ch) >= 0) {
                return Character.toString(next());
            }
            if (!Character.isLetter(ch) && !Character.isDigit(ch) && ch != '_') break;
            name.appendCodePoint(next());
        }
        return name.toString();
    }

    private static String trimPrefix(String value, String pattern, boolean longest) {
        Pattern re = shellPattern(pattern);
        int n = value.length();
        for (int k = 0; k <= n; k++) {
            int end = longest ? n - k : k;
            if (re.matcher(value.substring(0, end)).matches()) return value.substring(end);
        }
        return value;
    }

    private static String trimSuffix(String value, String pattern, boolean longest) {
        Pattern re = shellPattern(pattern);
        int n = value.length();
        for (int k = 0; k <= n; k++) {
            int start = longest ? k : n - k;
            if (re.matcher(value.substring(start)).matches()) return value.substring(0, start);
        }
        return value;
    }

    /** A shell pattern ({@code *} any string, {@code ?} one character, {@code \} escapes) as a regex. */
    private static Pattern shellPattern(String pattern) {
        StringBuilder re = new StringBuilder();
        int[] cps = pattern.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '\\') {
                if (i + 1 < cps.length && (cps[i + 1] == '}' || cps[i + 1] == '/')) continue;
                if (i + 1 >= cps.length || "*?\\".indexOf(cps[i + 1]) < 0) {
                    String bad = i + 1 < cps.length ? Character.toString(cps[i + 1]) : "";
                    throw new IllegalArgumentException("invalid pattern (" + pattern + ") in substitution: invalid escape '\\" + bad + "'");
                }
                re.append('\\').appendCodePoint(cps[++i]);
            } else if (Character.isLetterOrDigit(c)) {
                re.appendCodePoint(c);
            } else {
                re.append('\\').appendCodePoint(c);
            }
        }
        try {
            return Pattern.compile(re.toString(), Pattern.DOTALL);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid pattern (" + pattern + ") in substitution", e);
        }
    }

    /** Unicode white space as Go's unicode.IsSpace sees it. */
    static boolean isSpace(int c) {
        return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || Character.isSpaceChar(c);
    }

    /** Splits output into words the way BuildKit's wordsStruct does. */
    private static final class Words {
        private final List<String> words = new ArrayList<>();
        private final StringBuilder word = new StringBuilder();
        private boolean inWord;

        void addChar(int ch) {
            if (isSpace(ch)) {
                if (inWord && !word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                addRawChar(ch);
            }
        }

        void addRawChar(int ch) {
            word.appendCodePoint(ch);
            inWord = true;
        }

        void addString(String s) {
            s.codePoints().forEach(this::addChar);
        }

        void addRaw(String s) {
            word.append(s);
            inWord = true;
        }

        List<String> get() {
            if (!word.isEmpty()) {
                words.add(word.toString());
                word.setLength(0);
                inWord = false;
            }
            return List.copyOf(words);
        }
    }
}
