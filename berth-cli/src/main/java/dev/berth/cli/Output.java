package dev.berth.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Docker-shaped output: tables with aligned columns, sizes in SI units, times as "2 hours ago". */
final class Output {
    private Output() {}

    /** Prints rows (the first is the header) with columns padded to the widest cell plus 3 spaces, as docker does. */
    static void table(PrintStream out, List<String[]> rows) {
        if (rows.isEmpty()) return;
        int cols = rows.getFirst().length;
        int[] w = new int[cols];
        for (String[] r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r[i].length());
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.setLength(0);
            for (int i = 0; i < cols; i++) {
                sb.append(r[i]);
                if (i < cols - 1) sb.append(" ".repeat(w[i] - r[i].length() + 3));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /**
     * Tab-separated lines aligned as docker's tabwriter does (minimum width 10, padding 3): each cell that a
     * tab ends is a column; the last cell of a line is printed as it is.
     */
    static void tabs(PrintStream out, List<String> lines) {
        List<String[]> cells = new java.util.ArrayList<>(lines.size());
        int[] w = new int[0];
        for (String l : lines) {
            String[] c = l.split("\t", -1);
            cells.add(c);
            if (c.length - 1 > w.length) w = java.util.Arrays.copyOf(w, c.length - 1);
            for (int i = 0; i < c.length - 1; i++) w[i] = Math.max(w[i], Math.max(10, c[i].length() + 3));
        }
        StringBuilder sb = new StringBuilder();
        for (String[] c : cells) {
            sb.setLength(0);
            for (int i = 0; i < c.length; i++) {
                sb.append(c[i]);
                if (i < c.length - 1) sb.repeat(' ', w[i] - c[i].length());
            }
            out.println(sb);
        }
    }

    /** "2 hours ago" from unix seconds (docker ps, images). */
    static String ago(long epochSecond) {
        return ago(Instant.ofEpochSecond(epochSecond).toString());
    }

    /** docker's units.HumanSize: decimal units, 3 significant digits ("1.23MB", "4.1kB", "512B"). */
    static String size(long bytes) {
        return scaled(bytes, 1000, new String[]{"B", "kB", "MB", "GB", "TB", "PB"}, 3);
    }

    /** docker's units.BytesSize: binary units, 4 significant digits ("1.5MiB", "7.63GiB", "0B"). */
    static String binarySize(long bytes) {
        return scaled(bytes, 1024, new String[]{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}, 4);
    }

    private static String scaled(long bytes, int base, String[] units, int digits) {
        double v = bytes;
        int u = 0;
        while (v >= base && u < units.length - 1) {
            v /= base;
            u++;
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).stripTrailingZeros().toPlainString() + units[u];
    }

    /** docker's units.HumanDuration, plus " ago". */
    static String ago(String iso) {
        if (iso == null) return "N/A";
        Duration d;
        try {
            d = Duration.between(Instant.parse(iso), Instant.now());
        } catch (RuntimeException e) {
            return "N/A";
        }
        long s = d.toSeconds();
        String h;
        if (s < 1) h = "Less than a second";
        else if (s == 1) h = "1 second";
        else if (s < 60) h = s + " seconds";
        else if (d.toMinutes() == 1) h = "About a minute";
        else if (d.toMinutes() < 60) h = d.toMinutes() + " minutes";
        else if (Math.round(d.toMinutes() / 60.0) == 1) h = "About an hour";
        else if (d.toHours() < 48) h = d.toHours() + " hours";
        else if (d.toHours() < 24 * 7 * 2) h = d.toHours() / 24 + " days";
        else if (d.toHours() < 24 * 30 * 2) h = d.toHours() / 24 / 7 + " weeks";
        else if (d.toHours() < 24 * 365 * 2) h = d.toHours() / 24 / 30 + " months";
        else h = d.toHours() / 24 / 365 + " years";
        return h + " ago";
    }
}
