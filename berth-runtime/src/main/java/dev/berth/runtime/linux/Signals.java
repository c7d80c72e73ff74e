package dev.berth.runtime.linux;

import java.util.List;

/** Signal names (KILL, SIGKILL) and numbers (9) as the kill commands of runc and docker accept them. */
public final class Signals {
    public static final int SIGKILL = 9, SIGTERM = 15;

    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
            "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    private Signals() {}

    public static int parse(String s) {
        String n = s.toUpperCase();
        if (n.startsWith("SIG")) n = n.substring(3);
        int i = NAMES.indexOf(n);
        if (i > 0) return i;
        try {
            int v = Integer.parseInt(s);
            if (v > 0 && v < 65) return v;
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new IllegalArgumentException("unknown signal \"" + s + "\"");
    }

    public static String name(int sig) {
        return sig > 0 && sig < NAMES.size() ? "SIG" + NAMES.get(sig) : "SIG" + sig;
    }
}
