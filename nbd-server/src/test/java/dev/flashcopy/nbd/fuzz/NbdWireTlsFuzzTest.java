package dev.flashcopy.nbd.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.handshake.OptionNegotiator;
import dev.flashcopy.nbd.testing.InlineDispatcher;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.TestCertificates;
import dev.flashcopy.nbd.tls.TlsCredentials;
import dev.flashcopy.nbd.tls.TlsMode;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;

/**
 * A fuzzed conversation ({@link HostileConversation}) with a server that requires TLS: every option before
 * STARTTLS must be refused, and STARTTLS hands the rest of the bytes to a TLS handshake that fails (the fuzzer
 * does not speak TLS) and must close the connection cleanly.
 */
class NbdWireTlsFuzzTest {
    private static final SslContext TLS = serverContext();

    private static SslContext serverContext() {
        try {
            TestCertificates certs = TestCertificates.create(Files.createTempDirectory("fuzz-certs"));
            return TlsCredentials.load(certs.serverCert(), certs.serverKey(), null)
                    .nbdContext();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void requiredTlsRefusesPlainOptionsAndSurvivesABadHandshake(FuzzedDataProvider in) {
        LeaseCountingDevices devices = new LeaseCountingDevices(new MemoryDevice("disk", 1 << 16));
        OptionNegotiator negotiator = new OptionNegotiator(devices, TlsMode.REQUIRE, ExportAccess.OPEN, null);
        HostileConversation.play(
                in, new HandshakeHandler(negotiator, InlineDispatcher.INSTANCE, TLS, Duration.ZERO), devices);
    }
}
