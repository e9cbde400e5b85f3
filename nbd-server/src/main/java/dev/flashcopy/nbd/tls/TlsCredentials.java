package dev.flashcopy.nbd.tls;

import dev.flashcopy.engine.tuning.Tunables;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A server's X.509 identity loaded from PEM files: certificate chain, matching private key, and
 * optionally the CA that client certificates must chain to. {@link #load} refuses, with one line
 * naming the file, a missing or unreadable file, a file that is not PEM, a key that does not belong
 * to the certificate, and a certificate outside its validity period, so such mistakes stop the
 * server at start rather than fail every client later. The NBD context is built there too, once, by the
 * {@link TlsProvider} chosen, so every connection shares it and {@link #provider()} names the engine in use.
 * Immutable, hence thread-safe.
 */
public final class TlsCredentials {
    /** TLS 1.2 is the spec's floor ("MUST support"), 1.3 its "SHOULD support later versions". */
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final TrustManager clientTrust;
    private final TlsProvider provider;
    private final SslContext nbdContext;

    private TlsCredentials(List<X509Certificate> chain, PrivateKey key, TrustManager clientTrust, TlsProvider provider)
            throws IOException {
        this.chain = List.copyOf(chain);
        this.key = key;
        this.clientTrust = clientTrust;
        this.provider = provider;
        this.nbdContext = build(provider, clientTrust != null);
    }

    /** As {@link #load(Path, Path, Path, TlsProvider)} with the provider {@code -Dflashcopy.tlsProvider} chooses. */
    public static TlsCredentials load(Path certificate, Path key, Path clientCa) throws IOException {
        return load(certificate, key, clientCa, TlsProvider.chosen());
    }

    /**
     * @param certificate PEM certificate, leaf first, intermediates may follow
     * @param key         PEM private key of the leaf (PKCS#8, or PKCS#1 RSA)
     * @param clientCa    PEM CA certificate(s) client certificates must chain to, or null to ask for none
     * @param provider    the engine NBD connections encrypt with
     */
    public static TlsCredentials load(Path certificate, Path key, Path clientCa, TlsProvider provider)
            throws IOException {
        List<X509Certificate> chain = PemFiles.certificates(certificate, "TLS certificate");
        X509Certificate leaf = chain.getFirst();
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new IOException("TLS certificate " + certificate + " expired on "
                    + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new IOException("TLS certificate " + certificate + " is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
        PublicKey publicKey = leaf.getPublicKey();
        PrivateKey privateKey = PemFiles.privateKey(key, publicKey.getAlgorithm());
        if (!belongTogether(privateKey, publicKey)) {
            throw new IOException("TLS key " + key + " does not belong to the certificate " + certificate
                    + " (give the key the certificate was issued for)");
        }
        TrustManager clientTrust =
                clientCa == null ? null : ClientCaTrust.of(PemFiles.certificates(clientCa, "TLS client CA"));
        try {
            return new TlsCredentials(chain, privateKey, clientTrust, provider);
        } catch (IOException e) {
            throw new IOException("TLS certificate " + certificate + " and key " + key + " are not usable with the "
                    + provider + " TLS provider: " + e.getMessage() + " (try -D" + Tunables.TLS_PROVIDER.name()
                    + "=jdk)");
        }
    }

    /**
     * Whether the certificate may authenticate a TLS client (no extended key usage, or one that includes {@code
     * clientAuth}): a server that forwards to another one that requires client certificates needs it.
     */
    public boolean allowsClientAuthentication() {
        try {
            List<String> usage = chain.getFirst().getExtendedKeyUsage();
            return usage == null || usage.contains(CLIENT_AUTH) || usage.contains(ANY_USAGE);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** Whether client certificates are required and checked against the client CA. */
    public boolean verifiesClients() {
        return clientTrust != null;
    }

    /** The engine {@link #nbdContext()} encrypts with. */
    public TlsProvider provider() {
        return provider;
    }

    /** For NBD: requires a client certificate signed by the client CA when one was given. One context, shared. */
    public SslContext nbdContext() {
        return nbdContext;
    }

    /**
     * For the admin API's HTTPS: the bearer token authenticates, so no client certificate is asked for. The JDK
     * provider: a few small requests, where the native engine would buy nothing.
     */
    public SslContext httpsContext() {
        try {
            return build(TlsProvider.JDK, false);
        } catch (IOException e) {
            // The JDK provider only fails here when key or certificates are unusable, which load() checked.
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * For this server as a client of another one (a standby forwarding to the owner): presents this certificate when
     * asked for one (the other server's {@code --tls-ca}), and trusts the other server as {@code serverTrust} says.
     */
    public SslContext clientContext(X509TrustManager serverTrust) {
        return client(
                SslContextBuilder.forClient().keyManager(key, chain.toArray(X509Certificate[]::new)), serverTrust);
    }

    /** As {@link #clientContext} for a server that has no certificate of its own to present. */
    public static SslContext anonymousClientContext(X509TrustManager serverTrust) {
        return client(SslContextBuilder.forClient(), serverTrust);
    }

    private static SslContext client(SslContextBuilder b, X509TrustManager serverTrust) {
        try {
            // The JDK provider: a forward dials rarely. No host name check (Netty 4.2 asks for one by default): the
            // trust manager identifies the server, by a pin, whatever address it is reached on.
            return b.sslProvider(TlsProvider.JDK.netty())
                    .protocols(PROTOCOLS)
                    .trustManager(serverTrust)
                    .endpointIdentificationAlgorithm(null)
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException("cannot build a TLS client context: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of the leaf certificate's DER encoding, lower-case hex: what a client may pin. */
    public String fingerprint() {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(chain.getFirst().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 or the certificate encoding is unavailable", e);
        }
    }

    /**
     * Both providers ask the same {@link ClientCaTrust} about client certificates (Netty's OpenSSL engine calls
     * it from its verify callback), so verification and the empty CA list in the request are the same.
     */
    private SslContext build(TlsProvider with, boolean requireClientCertificates) throws IOException {
        SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(with.netty())
                .protocols(PROTOCOLS);
        if (requireClientCertificates) {
            b.trustManager(clientTrust).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
    }

    /** Signs a fixed challenge with the key and verifies it with the certificate's public key. */
    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) throws IOException {
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> publicKey.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true; // an algorithm we cannot sign with here; the TLS handshake will tell
        }
        try {
            byte[] challenge = "flashcopy key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
