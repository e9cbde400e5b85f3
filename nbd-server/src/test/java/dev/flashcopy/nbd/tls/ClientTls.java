package dev.flashcopy.nbd.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** A Java TLS client from a libnbd-style certificates directory, for tests. Stateless. */
final class ClientTls {
    private ClientTls() {}

    /** Trusts {@code dir/ca-cert.pem}; presents {@code dir/client-cert.pem} when the directory has one. */
    static SSLSocketFactory from(Path dir) throws Exception {
        return from(dir, "TLS");
    }

    /** As {@link #from(Path)}, offering at most {@code protocol} ({@code TLSv1.2}: that version only, here). */
    static SSLSocketFactory from(Path dir, String protocol) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(
                "ca", PemFiles.certificates(dir.resolve("ca-cert.pem"), "ca").getFirst());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (Files.exists(dir.resolve("client-cert.pem"))) {
            List<X509Certificate> chain = PemFiles.certificates(dir.resolve("client-cert.pem"), "client");
            PrivateKey key = PemFiles.privateKey(dir.resolve("client-key.pem"), "RSA");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", key, new char[0], chain.toArray(X509Certificate[]::new));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext context = SSLContext.getInstance(protocol);
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context.getSocketFactory();
    }
}
