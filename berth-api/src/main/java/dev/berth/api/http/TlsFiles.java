package dev.berth.api.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * docker's TLS files, as openssl writes them: PEM certificates, and a private key in PKCS#8 ("PRIVATE KEY"),
 * PKCS#1 RSA ("RSA PRIVATE KEY") or SEC1 EC ("EC PRIVATE KEY") form, unencrypted. Each failure names the file.
 */
public final class TlsFiles {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    /** AlgorithmIdentifier DER of rsaEncryption with NULL parameters; the OID DER of id-ecPublicKey. */
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    private static final byte[] EC_PUBLIC_KEY_OID = hex("06072a8648ce3d0201");

    private TlsFiles() {
    }

    /**
     * The server side of {@code --tlsverify}: {@code cert} (with any chain after it) and {@code key} prove the
     * server; only clients with a certificate signed by a CA in {@code ca} are let in.
     */
    public static SSLContext serverContext(Path ca, Path cert, Path key) throws IOException {
        try {
            List<Certificate> chain = certificates(cert);
            PrivateKey pk = privateKey(key);
            char[] none = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, none);
            keys.setKeyEntry("server", pk, none, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, none);
            int i = 0;
            for (Certificate c : certificates(ca)) trust.setCertificateEntry("ca" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS: " + e.getMessage(), e);
        }
    }

    /** Every certificate in a PEM file, in order. */
    public static List<Certificate> certificates(Path file) throws IOException {
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
        List<Certificate> out = new ArrayList<>();
        for (Block b : blocks(file)) {
            if (!b.type.equals("CERTIFICATE")) continue;
            try {
                out.add(cf.generateCertificate(new ByteArrayInputStream(b.der)));
            } catch (GeneralSecurityException e) {
                throw new IOException(file + ": not a valid certificate: " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) throw new IOException(file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
        return out;
    }

    /** The first private key in a PEM file: PKCS#8, PKCS#1 RSA or SEC1 EC. */
    public static PrivateKey privateKey(Path file) throws IOException {
        for (Block b : blocks(file)) {
            try {
                switch (b.type) {
                    case "PRIVATE KEY" -> {
                        String alg = pkcs8Algorithm(b.der);
                        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(b.der));
                    }
                    case "RSA PRIVATE KEY" -> {
                        byte[] p8 = tlv(0x30, concat(hex("020100"), RSA_ALGORITHM, tlv(0x04, b.der)));
                        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(p8));
                    }
                    case "EC PRIVATE KEY" -> {
                        byte[] curve = sec1Curve(b.der, file);
                        byte[] p8 = tlv(0x30, concat(hex("020100"), tlv(0x30, concat(EC_PUBLIC_KEY_OID, curve)), tlv(0x04, b.der)));
                        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(p8));
                    }
                    case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + ": the key is encrypted; berth needs it unencrypted"
                            + " (openssl pkey -in " + file.getFileName() + " -out key.pem)");
                    default -> {
                        // another block (a certificate, EC parameters): look further
                    }
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new IOException(file + ": not a valid " + b.type + ": " + e.getMessage(), e);
            }
        }
        throw new IOException(file + ": no private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) in it");
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": not a PEM file", e);
        }
        if (text.contains("Proc-Type: 4,ENCRYPTED")) {
            throw new IOException(file + ": the key is encrypted; berth needs it unencrypted (openssl pkey -in " + file.getFileName() + " -out key.pem)");
        }
        List<Block> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2).trim())));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": bad base64 in its " + m.group(1) + " block", e);
            }
        }
        return out;
    }

    /** "RSA" or "EC" (or another name) from a PKCS#8 PrivateKeyInfo's algorithm OID. */
    private static String pkcs8Algorithm(byte[] der) {
        Der top = new Der(der, 0).content();
        Der version = top;
        Der algorithm = version.next().content(); // AlgorithmIdentifier: its first element is the OID
        byte[] oid = algorithm.value();
        if (Arrays.equals(oid, Arrays.copyOfRange(RSA_ALGORITHM, 4, 13))) return "RSA";
        if (Arrays.equals(oid, Arrays.copyOfRange(EC_PUBLIC_KEY_OID, 2, 9))) return "EC";
        if (Arrays.equals(oid, hex("2b6570"))) return "Ed25519";
        return "RSA";
    }

    /** The named-curve OID (its whole TLV) from a SEC1 ECPrivateKey's [0] parameters. */
    private static byte[] sec1Curve(byte[] der, Path file) throws IOException {
        for (Der e = new Der(der, 0).content(); e != null; e = e.next()) {
            if (e.tag() == 0xa0) {
                Der oid = e.content();
                return Arrays.copyOfRange(der, oid.start, oid.end());
            }
        }
        throw new IOException(file + ": the EC key names no curve (openssl ecparam -name prime256v1 -genkey writes one)");
    }

    /** A DER element at {@code start} of {@code buf}, within its parent's end. */
    private static final class Der {
        final byte[] buf;
        final int start, headerLength, length, limit;

        Der(byte[] buf, int start) {
            this(buf, start, buf.length);
        }

        Der(byte[] buf, int start, int limit) {
            this.buf = buf;
            this.start = start;
            this.limit = limit;
            int first = buf[start + 1] & 0xff;
            if (first < 0x80) {
                headerLength = 2;
                length = first;
            } else {
                int n = first & 0x7f, l = 0;
                for (int i = 0; i < n; i++) l = (l << 8) | (buf[start + 2 + i] & 0xff);
                headerLength = 2 + n;
                length = l;
            }
            if (end() > limit) throw new IllegalArgumentException("DER element runs past its end");
        }

        int tag() {
            return buf[start] & 0xff;
        }

        int end() {
            return start + headerLength + length;
        }

        byte[] value() {
            return Arrays.copyOfRange(buf, start + headerLength, end());
        }

        /** The first element inside this one (a SEQUENCE or a tagged element). */
        Der content() {
            return new Der(buf, start + headerLength, end());
        }

        /** The element after this one in the same parent, or null. */
        Der next() {
            return end() < limit ? new Der(buf, end(), limit) : null;
        }
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(tag);
        int n = value.length;
        if (n < 0x80) {
            b.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            b.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) b.write(n >>> (8 * i));
        }
        b.writeBytes(value);
        return b.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) b.writeBytes(p);
        return b.toByteArray();
    }

    private static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }
}
