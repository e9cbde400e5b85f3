package dev.flashcopy.tools.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.tls.TlsMode;
import dev.flashcopy.tools.admin.AdminFile;
import dev.flashcopy.tools.client.AdminClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve with a certificate: HTTPS admin API the CLI reaches by pinning, and the loopback rule without one. */
class SecureServeTest {
    private static final HostPort ANY = HostPort.parse("127.0.0.1:0");

    @TempDir
    static Path pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCertificates() throws Exception {
        Path script = Path.of("..", "bin", "make-test-certs").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(script.toString(), pki.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    }

    private static ServeSecurity tls(TlsMode mode) {
        return new ServeSecurity(
                mode,
                pki.resolve("server-cert.pem"),
                pki.resolve("server-key.pem"),
                null,
                ExportAccess.OPEN,
                Duration.ofSeconds(10));
    }

    private FlashcopyServer start(HostPort admin, ServeSecurity security) throws StartupException {
        return FlashcopyServer.start(
                new ServeSettings(dir.resolve("data"), ANY, admin, false, security),
                new PrintWriter(new StringWriter(), true));
    }

    @Test
    void certificateTurnsTheAdminApiToHttpsWhichTheCliReachesByPinning() throws Exception {
        try (FlashcopyServer server = start(ANY, tls(TlsMode.REQUIRE))) {
            AdminFile published = AdminFile.read(server.dataDir());
            assertTrue(published.url().startsWith("https://127.0.0.1:"), published.url());
            assertEquals(64, published.certificateSha256().length());
            JsonNode volumes = AdminClient.forDataDir(server.dataDir()).get("/v1/volumes");
            assertTrue(volumes.path("volumes").isArray(), volumes.toString());
            // The NBD side encrypts with BoringSSL (its native jar is a runtime dependency), and says so.
            JsonNode info = AdminClient.forDataDir(server.dataDir()).get("/v1/server");
            assertEquals("openssl (BoringSSL)", info.path("nbdTls").asText(), info.toString());
            HttpURLConnection plain =
                    (HttpURLConnection) URI.create(published.url().replace("https", "http") + "/v1/volumes")
                            .toURL()
                            .openConnection();
            plain.setRequestProperty("Authorization", "Bearer " + published.token());
            plain.setReadTimeout(5_000);
            assertThrows(IOException.class, plain::getResponseCode, "clear-text HTTP must not be answered");
        }
    }

    @Test
    void nonLoopbackAdminWithoutCertificateIsRefused() {
        StartupException e =
                assertThrows(StartupException.class, () -> start(HostPort.parse("0.0.0.0:0"), ServeSecurity.NONE));
        assertTrue(e.getMessage().contains("in clear text") && e.getMessage().contains("--tls-cert"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("data").resolve("admin.json")));
    }

    @Test
    void nonLoopbackAdminWithCertificateIsServed() throws Exception {
        try (FlashcopyServer server = start(HostPort.parse("0.0.0.0:0"), tls(TlsMode.ON))) {
            assertTrue(AdminFile.read(server.dataDir()).url().startsWith("https://"));
        }
    }

    @Test
    void aCertificateWithTlsOffLeavesNbdInClearTextAndSaysNoEngine() throws Exception {
        try (FlashcopyServer server = start(ANY, tls(TlsMode.OFF))) {
            assertEquals(null, server.nbdTlsProvider());
            JsonNode info = AdminClient.forDataDir(server.dataDir()).get("/v1/server");
            assertTrue(info.path("nbdTls").isNull(), info.toString());
        }
    }

    @Test
    void mismatchedKeyStopsTheStartWithOneLine() {
        ServeSecurity wrongKey = new ServeSecurity(
                TlsMode.ON,
                pki.resolve("server-cert.pem"),
                pki.resolve("client").resolve("client-key.pem"),
                null,
                ExportAccess.OPEN,
                Duration.ofSeconds(10));
        StartupException e = assertThrows(StartupException.class, () -> start(ANY, wrongKey));
        assertTrue(e.getMessage().contains("does not belong to the certificate"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
