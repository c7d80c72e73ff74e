package dev.berth.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The local terminal for {@code run -t} and {@code exec -t}: its size, raw mode and back, through stty on
 * /dev/tty (no native calls: they cost start-up time, docs/startup.md), and SIGWINCH.
 */
final class Tty {
    private static final File DEV_TTY = new File("/dev/tty");

    private Tty() {}

    /** Whether stdin is a terminal (docker refuses -t otherwise... it warns; berth refuses with a reason). */
    static boolean stdinIsTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** {rows, cols} of the controlling terminal, or null without one. */
    static int[] size() {
        String s = stty("size");
        if (s == null) return null;
        String[] rc = s.trim().split(" ");
        try {
            return rc.length == 2 ? new int[]{Integer.parseInt(rc[0]), Integer.parseInt(rc[1])} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Puts the terminal in raw mode; returns the settings to {@link #restore}, or null without a terminal. */
    static String raw() {
        String saved = stty("-g");
        if (saved == null) return null;
        stty("raw", "-echo");
        return saved.trim();
    }

    static void restore(String saved) {
        if (saved != null) stty(saved);
    }

    /** Calls {@code onResize} on every SIGWINCH (sun.misc.Signal: no native linking of ours). */
    static void onResize(Runnable onResize) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> onResize.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGWINCH here: the size stays what it was at the start
        }
    }

    private static String stty(String... args) {
        if (!DEV_TTY.exists()) return null;
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(DEV_TTY).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
