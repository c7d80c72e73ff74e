package dev.berth.image.registry;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** TLS set-up for one registry: the system's trust anchors plus the registry's own CA files. */
final class Tls {
    private Tls() {}

    /** CA certificates from {@code DIR/<registry>/*.crt} for each of the roots (docker's certs.d layout). */
    static List<X509Certificate> caFiles(String registry, List<Path> certsDirs) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        for (Path root : certsDirs) {
            Path dir = root.resolve(registry);
            if (!Files.isDirectory(dir)) continue;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.crt")) {
                for (Path f : ds) {
                    try (InputStream in = Files.newInputStream(f)) {
                        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                            if (c instanceof X509Certificate x) out.add(x);
                        }
                    } catch (GeneralSecurityException e) {
                        throw new IOException(f + ": not a PEM certificate: " + e.getMessage(), e);
                    }
                }
            }
        }
        return out;
    }

    /** Verifies servers against the system trust store and {@code extraCas}. */
    static SSLContext verifying(List<X509Certificate> extraCas) throws IOException {
        try {
            if (extraCas.isEmpty()) return SSLContext.getDefault();
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int n = 0;
            for (TrustManager tm : system.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) for (X509Certificate c : x.getAcceptedIssuers()) ks.setCertificateEntry("system-" + n++, c);
            }
            for (X509Certificate c : extraCas) ks.setCertificateEntry("registry-" + n++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** Accepts any certificate and name: for registries marked insecure that still speak HTTPS (as docker does). */
    static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[]{new X509ExtendedTrustManager() {
                @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
                @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
                @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
                @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
                @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
                @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
                @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A short reason for a handshake failure, without the JSSE class names. */
    static String reason(Throwable t) {
        String msg = null;
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (x.getMessage() != null) msg = x.getMessage();
            if (x instanceof java.security.cert.CertPathValidatorException || x.getClass().getName().endsWith("SunCertPathBuilderException")) {
                return "certificate signed by unknown authority";
            }
        }
        if (msg == null) return t.getClass().getSimpleName();
        if (msg.contains("PKIX path")) return "certificate signed by unknown authority";
        if (msg.startsWith("No subject alternative") || msg.startsWith("No name matching")) return "certificate is not valid for this name (" + msg + ")";
        int colon = msg.lastIndexOf(": ");
        return colon > 0 && msg.substring(0, colon).contains(".") ? msg.substring(colon + 2) : msg;
    }
}
