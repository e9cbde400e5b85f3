package dev.flashcopy.tools.client;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts exactly one server certificate, the one whose SHA-256 the server wrote to {@code
 * admin.json} (readable only by its owner). Pinning needs no CA and no host name match, so the CLI
 * reaches an HTTPS admin API with a self-signed certificate or on an address the certificate does
 * not name, and still refuses any other server. Immutable, hence thread-safe.
 */
public final class PinnedCertificate implements X509TrustManager {
    private final String sha256;

    private PinnedCertificate(String sha256) {
        this.sha256 = sha256;
    }

    /** Makes {@code c} trust only the certificate with this fingerprint. */
    public static void apply(HttpsURLConnection c, String sha256) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new PinnedCertificate(sha256)}, null);
            c.setSSLSocketFactory(context.getSocketFactory());
            c.setHostnameVerifier((host, session) -> true); // the pin above already identifies the server
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's TLS is unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server sent no certificate");
        }
        String seen;
        try {
            seen = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new CertificateException(e);
        }
        if (!MessageDigest.isEqual(seen.getBytes(), sha256.getBytes())) {
            throw new CertificateException("the server's certificate (SHA-256 " + seen + ") is not the one in"
                    + " admin.json; another process may be answering on that port");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager only checks servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
