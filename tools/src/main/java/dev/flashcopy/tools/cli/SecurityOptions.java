package dev.flashcopy.tools.cli;

import dev.flashcopy.nbd.tls.TlsMode;
import dev.flashcopy.tools.serve.ExportRules;
import dev.flashcopy.tools.serve.ServeSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code serve}'s security options, as a picocli mixin: NBD TLS (the certificate also turns the
 * admin API to HTTPS), export rules and the handshake timeout. Not thread-safe (picocli fills it once).
 */
public final class SecurityOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--tls",
            paramLabel = "off|on|require",
            converter = ModeConverter.class,
            description = "NBD TLS: off; on = offered (STARTTLS), clients choose; require = nothing is listed or"
                    + " opened before STARTTLS (default: on with --tls-cert, else off)")
    TlsMode tls;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "PEM certificate (chain) for NBD TLS; also makes the admin API HTTPS")
    Path certificate;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key of --tls-cert (unencrypted)")
    Path key;

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            description = "PEM CA: NBD clients must present a certificate it signed")
    Path clientCa;

    @Option(
            names = "--export-ro",
            paramLabel = "NAME",
            description = "serve volume NAME read-only over NBD (writes get EPERM); * for every volume; repeatable")
    List<String> readOnly = new ArrayList<>();

    @Option(
            names = "--allow",
            paramLabel = "NAME=CIDR[,CIDR...]",
            description = "only clients in these address ranges may open volume NAME (others get"
                    + " NBD_REP_ERR_POLICY); NAME * for every volume without its own --allow; repeatable")
    List<String> allow = new ArrayList<>();

    /** {@link dev.flashcopy.nbd.NbdSecurity#DEFAULT_HANDSHAKE_TIMEOUT}, which says why. */
    @Option(
            names = "--handshake-timeout",
            paramLabel = "SECONDS",
            defaultValue = "120",
            description = "close NBD connections still negotiating after this long, TLS included (default:"
                    + " ${DEFAULT-VALUE}; 0: never)")
    int handshakeTimeout;

    /** The checked settings; a bad combination or value is a usage error naming the option. */
    ServeSecurity settings() {
        try {
            if (handshakeTimeout < 0) {
                throw new IllegalArgumentException(
                        "--handshake-timeout " + handshakeTimeout + " (expected: seconds" + " >= 0)");
            }
            TlsMode mode = tls != null ? tls : certificate != null ? TlsMode.ON : TlsMode.OFF;
            return new ServeSecurity(
                    mode,
                    certificate,
                    key,
                    clientCa,
                    ExportRules.parse(allow, readOnly),
                    Duration.ofSeconds(handshakeTimeout));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** {@code off}, {@code on}, {@code require}. */
    static final class ModeConverter implements ITypeConverter<TlsMode> {
        @Override
        public TlsMode convert(String value) {
            try {
                return TlsMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
