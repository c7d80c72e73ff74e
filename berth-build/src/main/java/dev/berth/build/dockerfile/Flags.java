package dev.berth.build.dockerfile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code --name[=value]} flags of one instruction, checked against the ones it accepts (BuildKit's
 * {@code BFlags}): a string flag needs {@code =value}, a boolean one may have {@code =true|false}, a repeatable
 * one collects every value; any other flag, or a non-repeatable one given twice, is an error.
 */
final class Flags {
    enum Kind { STRING, BOOL, REPEATED }

    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();

    private Flags() {}

    /**
     * @param raw         the flags as split off the line ("--from=build", "--link")
     * @param instruction the keyword, for messages
     * @param accepted    flag name (without dashes) to kind
     * @throws IllegalArgumentException naming the instruction and the flag
     */
    static Flags parse(List<String> raw, String instruction, Map<String, Kind> accepted) {
        Flags f = new Flags();
        for (String arg : raw) {
            String body = arg.substring(2);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            String value = eq < 0 ? null : body.substring(eq + 1);
            Kind kind = accepted.get(name);
            if (kind == null) throw new IllegalArgumentException("unknown flag for " + instruction + ": --" + name);
            if (kind != Kind.REPEATED && f.values.containsKey(name)) {
                throw new IllegalArgumentException("duplicate flag for " + instruction + ": --" + name);
            }
            switch (kind) {
                case BOOL -> {
                    String v = value == null ? "true" : value.toLowerCase(Locale.ROOT);
                    if (!v.equals("true") && !v.equals("false")) {
                        throw new IllegalArgumentException("invalid value for " + instruction + " --" + name
                                + ": \"" + value + "\" (expected true or false)");
                    }
                    f.values.put(name, v);
                }
                case STRING, REPEATED -> {
                    if (value == null) {
                        throw new IllegalArgumentException("missing a value on flag for " + instruction + ": --" + name
                                + " (write --" + name + "=VALUE)");
                    }
                    f.values.put(name, value);
                    f.repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                }
            }
        }
        return f;
    }

    /** The value of a string flag, or null when it was not given. */
    String string(String name) {
        return values.get(name);
    }

    boolean bool(String name) {
        return "true".equals(values.get(name));
    }

    /** Every value of a repeatable flag, in order. */
    List<String> all(String name) {
        return List.copyOf(repeated.getOrDefault(name, List.of()));
    }
}
