package dev.flashcopy.nbd.tls;

import dev.flashcopy.engine.tuning.Tunables;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;

/**
 * Which engine encrypts NBD's TLS. {@link #OPENSSL} is BoringSSL through netty-tcnative: it encrypts straight
 * from the direct reply buffers and decrypts into direct buffers in native code; on 4 KiB random reads it served
 * twice the IOPS of the JDK's {@code SSLEngine} at less CPU per read (bench/RESULTS.md, "NBD over TLS").
 * {@link #JDK} works wherever Java does. {@code -Dflashcopy.tlsProvider=auto} (the default) takes OpenSSL
 * when its native library loads and the JDK otherwise; {@code openssl} refuses to start without it, so an A/B
 * run cannot measure the JDK twice; {@code jdk} never loads it. Immutable.
 */
public enum TlsProvider {
    OPENSSL("openssl", SslProvider.OPENSSL),
    JDK("jdk", SslProvider.JDK);

    private final String label;
    private final SslProvider netty;

    TlsProvider(String label, SslProvider netty) {
        this.label = label;
        this.netty = netty;
    }

    /** The provider {@code -Dflashcopy.tlsProvider} asks for on this machine. */
    public static TlsProvider chosen() throws IOException {
        String setting = Tunables.TLS_PROVIDER.choice();
        if (setting.equals(JDK.label)) {
            return JDK; // never touches the native library
        }
        return choose(setting, OpenSsl.isAvailable(), OpenSsl.unavailabilityCause());
    }

    /**
     * The provider for {@code setting} ({@code auto}, {@code openssl} or {@code jdk}) when OpenSSL {@code loads}
     * or not, {@code whyNot} being the reason it does not.
     */
    static TlsProvider choose(String setting, boolean loads, Throwable whyNot) throws IOException {
        return switch (setting) {
            case "auto" -> loads ? OPENSSL : JDK;
            case "jdk" -> JDK;
            case "openssl" -> {
                if (!loads) {
                    throw new IOException("-D" + Tunables.TLS_PROVIDER.name() + "=openssl, but OpenSSL (netty-tcnative"
                            + " BoringSSL) does not load here" + (whyNot == null ? "" : ": " + whyNot.getMessage())
                            + "; use auto or jdk");
                }
                yield OPENSSL;
            }
            default ->
                throw new IllegalArgumentException(
                        "TLS provider '" + setting + "' (expected: " + Tunables.TLS_PROVIDER.unit() + ")");
        };
    }

    SslProvider netty() {
        return netty;
    }

    /** {@code openssl (BoringSSL)} or {@code jdk}: what the banner, the log and {@code /v1/server} show. */
    public String describe() {
        return this == OPENSSL ? label + " (" + OpenSsl.versionString() + ")" : label;
    }

    @Override
    public String toString() {
        return label;
    }
}
