package dev.flashcopy.tools.client;

import dev.flashcopy.nbd.tls.PinnedServerTrust;
import java.security.GeneralSecurityException;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * HTTPS to a server whose certificate's SHA-256 the caller was given by a place only that server writes ({@code
 * admin.json}, readable only by its owner; the owner's record in the pool): trusts exactly that certificate ({@link
 * PinnedServerTrust}), so the CLI reaches an admin API with a self-signed certificate or on an address the
 * certificate does not name, and still refuses any other server. Stateless.
 */
public final class PinnedCertificate {
    private PinnedCertificate() {}

    /** Makes {@code c} trust only the certificate with this fingerprint, which {@code pinnedIn} gave. */
    public static void apply(HttpsURLConnection c, String sha256, String pinnedIn) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new PinnedServerTrust(sha256, pinnedIn)}, null);
            c.setSSLSocketFactory(context.getSocketFactory());
            c.setHostnameVerifier((host, session) -> true); // the pin above already identifies the server
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's TLS is unavailable: " + e.getMessage(), e);
        }
    }
}
