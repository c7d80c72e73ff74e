package dev.berth.build.dockerfile;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Go's {@code time.ParseDuration}, which HEALTHCHECK's flags use: a signed sequence of decimal numbers, each
 * with a unit ({@code 1h30m}, {@code 1.5s}, {@code 300ms}); units ns, us (or µs), ms, s, m, h; a bare {@code 0}
 * is allowed.
 */
final class GoDuration {
    private static final Map<String, Long> UNITS = Map.of(
            "ns", 1L, "us", 1_000L, "\u00b5s", 1_000L, "\u03bcs", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDuration() {}

    /** The duration in nanoseconds; the message of the exception says what is wrong, not which value. */
    static long parseNanos(String s) {
        String t = s;
        boolean negative = false;
        if (!t.isEmpty() && (t.charAt(0) == '-' || t.charAt(0) == '+')) {
            negative = t.charAt(0) == '-';
            t = t.substring(1);
        }
        if (t.equals("0")) return 0;
        if (t.isEmpty()) throw new IllegalArgumentException("not a duration");
        BigDecimal total = BigDecimal.ZERO;
        int i = 0;
        while (i < t.length()) {
            int start = i;
            while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
            String number = t.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw new IllegalArgumentException("not a duration");
            }
            int unitStart = i;
            while (i < t.length() && !Character.isDigit(t.charAt(i)) && t.charAt(i) != '.') i++;
            String unit = t.substring(unitStart, i);
            if (unit.isEmpty()) throw new IllegalArgumentException("missing unit (use ns, us, ms, s, m or h)");
            Long nanos = UNITS.get(unit);
            if (nanos == null) {
                throw new IllegalArgumentException("unknown unit \"" + unit + "\" (use ns, us, ms, s, m or h)");
            }
            total = total.add(new BigDecimal(number.startsWith(".") ? "0" + number : number).multiply(BigDecimal.valueOf(nanos)));
        }
        BigDecimal whole = total.setScale(0, RoundingMode.DOWN);
        if (whole.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) throw new IllegalArgumentException("duration out of range");
        return negative ? -whole.longValueExact() : whole.longValueExact();
    }
}
