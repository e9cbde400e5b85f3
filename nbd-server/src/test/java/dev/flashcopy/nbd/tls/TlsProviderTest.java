package dev.flashcopy.nbd.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.testing.TestCertificates;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContext;
import io.netty.handler.ssl.OpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which TLS engine {@code -Dflashcopy.tlsProvider} picks, and that the credentials build their context with it. */
class TlsProviderTest {
    @TempDir
    static Path dir;

    private static TestCertificates certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(dir.resolve("pki"));
    }

    @Test
    void autoTakesOpensslWhenItLoadsAndTheJdkWhenNot() throws IOException {
        assertEquals(TlsProvider.OPENSSL, TlsProvider.choose("auto", true, null));
        assertEquals(TlsProvider.JDK, TlsProvider.choose("auto", false, new UnsatisfiedLinkError("no libssl")));
    }

    @Test
    void jdkIsTakenEvenWhereOpensslLoads() throws IOException {
        assertEquals(TlsProvider.JDK, TlsProvider.choose("jdk", true, null));
    }

    @Test
    void opensslAskedForButMissingRefusesToStartNamingThePropertyAndTheWayOut() {
        String message = assertThrows(
                        IOException.class,
                        () -> TlsProvider.choose("openssl", false, new UnsatisfiedLinkError("no libssl")))
                .getMessage();
        assertEquals(
                "-Dflashcopy.tlsProvider=openssl, but OpenSSL (netty-tcnative BoringSSL) does not load here: no libssl;"
                        + " use auto or jdk",
                message);
    }

    @Test
    void theBuildShipsANativeLibraryThatLoadsHere() throws IOException {
        // netty-tcnative-boringssl-static's linux-x86_64 jar is a runtime dependency: on this platform the
        // default must be OpenSSL, or the dependency is missing from the classpath.
        assertTrue(OpenSsl.isAvailable(), "OpenSSL does not load: " + OpenSsl.unavailabilityCause());
        assertEquals(TlsProvider.OPENSSL, TlsProvider.chosen());
        assertEquals("openssl (BoringSSL)", TlsProvider.OPENSSL.describe());
    }

    @Test
    void credentialsBuildTheirNbdContextWithTheProviderGivenAndSayWhichOne() throws IOException {
        TlsCredentials openssl =
                TlsCredentials.load(certs.serverCert(), certs.serverKey(), certs.ca(), TlsProvider.OPENSSL);
        assertEquals(TlsProvider.OPENSSL, openssl.provider());
        assertInstanceOf(OpenSslContext.class, openssl.nbdContext());
        SslHandler handler = openssl.nbdContext().newHandler(ByteBufAllocator.DEFAULT);
        try {
            assertInstanceOf(OpenSslEngine.class, handler.engine());
        } finally {
            handler.engine().closeOutbound();
        }

        TlsCredentials jdk = TlsCredentials.load(certs.serverCert(), certs.serverKey(), certs.ca(), TlsProvider.JDK);
        assertEquals(TlsProvider.JDK, jdk.provider());
        assertInstanceOf(JdkSslContext.class, jdk.nbdContext());
    }

    @Test
    void adminHttpsStaysOnTheJdkWhateverNbdUses() throws IOException {
        TlsCredentials openssl = TlsCredentials.load(certs.serverCert(), certs.serverKey(), null, TlsProvider.OPENSSL);
        assertInstanceOf(JdkSslContext.class, openssl.httpsContext());
    }
}
