package dev.berth.oci.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code sha256:<64 hex>} (OCI image spec, descriptor.md). berth stores and verifies sha256
 * only; sha512 digests are parsed and refused with a clear message where content must be verified.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        boolean ok = switch (algorithm) {
            case "sha256" -> SHA256.matcher(hex).matches();
            case "sha512" -> SHA512.matcher(hex).matches();
            default -> false;
        };
        if (!ok) throw new IllegalArgumentException("invalid digest \"" + algorithm + ":" + hex + "\"");
    }

    public static Digest parse(String s) {
        int colon = s == null ? -1 : s.indexOf(':');
        if (colon < 0) throw new IllegalArgumentException("invalid digest \"" + s + "\": expected sha256:<64 hex digits>");
        return new Digest(s.substring(0, colon), s.substring(colon + 1));
    }

    public static boolean isDigest(String s) {
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static Digest sha256(byte[] data) {
        MessageDigest md = sha256();
        return new Digest("sha256", HexFormat.of().formatHex(md.digest(data)));
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Digest of(MessageDigest finished) {
        return new Digest("sha256", HexFormat.of().formatHex(finished.digest()));
    }

    /** The first 12 hex digits, as docker shows image ids. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
