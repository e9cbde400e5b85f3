package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.nbd.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fallback engine: a server told {@code -Dflashcopy.tlsProvider=jdk} says so in its banner and still speaks
 * TLS, with client certificates checked, to libnbd's nbdcopy and nbdinfo (GnuTLS). {@link TlsIT} covers the
 * default, OpenSSL.
 */
class TlsJdkProviderIT {
    private static final Duration T = Duration.ofSeconds(120);

    @TempDir
    static Path tmp;

    static TestCertificates pki;
    static ServerProcess server;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        pki = TestCertificates.create(tmp.resolve("pki"));
        server = ServerProcess.startWithJavaOpts(
                "-Dflashcopy.tlsProvider=jdk",
                tmp.resolve("data"),
                "--tls",
                "require",
                "--tls-cert",
                pki.serverCert().toString(),
                "--tls-key",
                pki.serverKey().toString(),
                "--tls-ca",
                pki.ca().toString());
        server.cli("mkvol", "secure", "--size", "16M").ok();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String nbds(String clientDir) {
        return "nbds://127.0.0.1:" + server.port() + "/secure?tls-certificates=" + pki.clientDir(clientDir);
    }

    @Test
    void bannerNamesTheJdkProvider() {
        String log = server.awaitLog(l -> l.contains("NBD TLS require"), Duration.ofSeconds(10));
        assertTrue(log.contains("client certificates required; provider jdk)"), log);
    }

    @Test
    void nbdcopyWritesAndReadsBackOverJdkTls() throws IOException {
        byte[] data = new byte[16 << 20];
        new Random(20).nextBytes(data);
        Path in = tmp.resolve("in.raw");
        Files.write(in, data);
        Command.ok(T, "nbdcopy", in.toString(), nbds("client"));
        assertEquals(Exports.sha256(data), Exports.sha256(nbds("client")));
    }

    @Test
    void clientCertificateSignedByAnotherCaIsRefused() {
        Command.Result r = Command.run(T, "nbdinfo", nbds("rogue"));
        assertNotEquals(0, r.exit());
        String log = server.awaitLog(l -> l.contains("PKIX path building failed"), Duration.ofSeconds(10));
        assertTrue(log.contains("PKIX path building failed"), log);
    }
}
