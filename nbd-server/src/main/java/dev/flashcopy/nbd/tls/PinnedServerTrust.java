package dev.flashcopy.nbd.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts exactly one server certificate, by the SHA-256 of its DER encoding, as a place only the right server could
 * write gave it (its {@code admin.json}, a record in the pool). Pinning needs no CA and no host name match, so a
 * self-signed certificate or an address the certificate does not name still works, and any other server is refused.
 * Immutable, hence thread-safe.
 */
public final class PinnedServerTrust implements X509TrustManager {
    private final String sha256;
    private final String pinnedIn;

    /**
     * @param sha256   lower-case hex, as {@link TlsCredentials#fingerprint()} gives it
     * @param pinnedIn where the pin came from, for the refusal: "admin.json", "the owner's record in the pool"
     */
    public PinnedServerTrust(String sha256, String pinnedIn) {
        this.sha256 = sha256;
        this.pinnedIn = pinnedIn;
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
        if (!MessageDigest.isEqual(
                seen.getBytes(StandardCharsets.US_ASCII), sha256.getBytes(StandardCharsets.US_ASCII))) {
            throw new CertificateException("the server's certificate (SHA-256 " + seen + ") is not the one in "
                    + pinnedIn + "; another process may be answering on that port");
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
