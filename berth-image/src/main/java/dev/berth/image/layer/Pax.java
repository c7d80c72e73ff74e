package dev.berth.image.layer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PAX extended header records ({@code "%d %s=%s\n"}, POSIX pax(1) "pax Extended Header"). Values are kept as raw
 * bytes: {@code SCHILY.xattr.security.capability} is binary, and decoding it as UTF-8 (as Commons Compress does)
 * would corrupt it.
 */
final class Pax {
    static final String PATH = "path", LINKPATH = "linkpath", SIZE = "size", UID = "uid", GID = "gid", MTIME = "mtime",
            ATIME = "atime", XATTR = "SCHILY.xattr.", LIBARCHIVE_XATTR = "LIBARCHIVE.xattr.", GNU_SPARSE = "GNU.sparse.";

    private Pax() {}

    /** The records in order (a later record with the same key replaces an earlier one); throws on malformed data. */
    static Map<String, byte[]> parse(byte[] data, int length) throws Malformed {
        Map<String, byte[]> out = new LinkedHashMap<>();
        int pos = 0;
        while (pos < length) {
            if (data[pos] == 0) break; // some writers pad the record block with NULs
            int sp = pos;
            long n = 0;
            while (sp < length && data[sp] >= '0' && data[sp] <= '9' && n <= length) n = n * 10 + (data[sp++] - '0');
            if (sp == pos || sp >= length || data[sp] != ' ' || n < sp - pos + 4 || pos + n > length) {
                throw new Malformed("malformed PAX record at offset " + pos);
            }
            int end = (int) (pos + n);
            if (data[end - 1] != '\n') throw new Malformed("PAX record at offset " + pos + " does not end with a newline");
            int eq = -1;
            for (int i = sp + 1; i < end - 1; i++) {
                if (data[i] == '=') {
                    eq = i;
                    break;
                }
            }
            if (eq <= sp + 1) throw new Malformed("PAX record at offset " + pos + " has no key");
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end - 1);
            out.put(key, value);
            pos = end;
        }
        return out;
    }

    /** The records' bytes, keys in the map's order. */
    static byte[] format(Map<String, byte[]> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] k = r.getKey().getBytes(StandardCharsets.UTF_8);
            int rest = 1 + k.length + 1 + r.getValue().length + 1; // ' ' key '=' value '\n'
            int len = rest + Integer.toString(rest).length();
            if (Integer.toString(len).length() != Integer.toString(rest).length()) len = rest + Integer.toString(len).length();
            out.writeBytes(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
            out.write(' ');
            out.writeBytes(k);
            out.write('=');
            out.writeBytes(r.getValue());
            out.write('\n');
        }
        return out.toByteArray();
    }

    static String string(byte[] v) {
        return new String(v, StandardCharsets.UTF_8);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A non-negative decimal number (size, uid, gid). */
    static long number(String key, byte[] v) throws Malformed {
        String s = string(v);
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Malformed("PAX " + key + " \"" + s + "\" is not a non-negative number");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new Malformed("PAX " + key + " \"" + s + "\" is out of range");
        }
    }

    /** A time as seconds since the epoch with an optional fraction: "1700000000.123456789", "-5.5". */
    static Instant time(String key, byte[] v) throws Malformed {
        String s = string(v);
        boolean neg = s.startsWith("-");
        String body = neg ? s.substring(1) : s;
        int dot = body.indexOf('.');
        String secs = dot < 0 ? body : body.substring(0, dot);
        String frac = dot < 0 ? "" : body.substring(dot + 1);
        if (secs.isEmpty() || secs.length() > 18 || !secs.chars().allMatch(Character::isDigit) || !frac.chars().allMatch(Character::isDigit)) {
            throw new Malformed("PAX " + key + " \"" + s + "\" is not a time");
        }
        long sec = Long.parseLong(secs);
        long nanos = frac.isEmpty() ? 0 : Long.parseLong((frac + "000000000").substring(0, 9));
        return neg ? Instant.ofEpochSecond(-sec, -nanos) : Instant.ofEpochSecond(sec, nanos);
    }

    static byte[] formatTime(Instant t) {
        long sec = t.getEpochSecond();
        int nanos = t.getNano();
        if (nanos == 0) return bytes(Long.toString(sec));
        String frac = String.format("%09d", nanos).replaceAll("0+$", "");
        if (sec < 0) { // -1.5 s is epochSecond -2 + 0.5e9 ns
            long whole = -(sec + 1);
            String f = String.format("%09d", 1_000_000_000 - nanos).replaceAll("0+$", "");
            return bytes("-" + whole + "." + f);
        }
        return bytes(sec + "." + frac);
    }

    /** Malformed header data; the reader turns it into a {@link LayerException} that says where. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
