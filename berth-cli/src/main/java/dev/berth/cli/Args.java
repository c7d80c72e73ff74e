package dev.berth.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A small command-line reader: flags ({@code --name value}, {@code --name=value}, {@code -x}) anywhere before
 * the first positional argument (or all of them, for commands that take no trailing command), then positionals.
 * Hand-written because {@code berth runtime run} pays for every class the JVM loads at start-up.
 */
final class Args {
    private final List<String> args;
    private int pos;

    Args(List<String> args) {
        this.args = new ArrayList<>(args);
    }

    boolean hasNext() {
        return pos < args.size();
    }

    String peek() {
        return args.get(pos);
    }

    String next() {
        return args.get(pos++);
    }

    /** True if the next argument is a flag (and not "--" or a lone "-"). */
    boolean atFlag() {
        if (!hasNext()) return false;
        String a = peek();
        if (a.equals("--")) {
            pos++;
            return false;
        }
        return a.startsWith("-") && a.length() > 1;
    }

    /** The value of a flag just read by {@link #next()}: after '=' or the following argument. */
    String value(String flag) {
        int eq = flag.indexOf('=');
        if (eq > 0) return flag.substring(eq + 1);
        if (!hasNext()) throw new UsageException("flag " + flag + " needs a value");
        return next();
    }

    static String name(String flag) {
        int eq = flag.indexOf('=');
        return eq > 0 ? flag.substring(0, eq) : flag;
    }

    List<String> rest() {
        List<String> r = new ArrayList<>(args.subList(pos, args.size()));
        pos = args.size();
        return r;
    }

    String required(String what) {
        if (!hasNext()) throw new UsageException("missing " + what);
        return next();
    }

    void end() {
        if (hasNext()) throw new UsageException("unexpected argument \"" + peek() + "\"");
    }

    /** A mistake in how a command was called; Main prints it with the command's usage. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }
}
