package dev.flashcopy.nbd.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading PEM credentials: what works, and the one-line refusals for what does not. */
class TlsCredentialsTest {
    @TempDir
    static Path dir;

    private static TestCertificates certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(dir.resolve("pki"));
    }

    private static void openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl failed: " + out);
    }

    private static String refusal(Path cert, Path key, Path ca) {
        return assertThrows(IOException.class, () -> TlsCredentials.load(cert, key, ca))
                .getMessage();
    }

    @Test
    void loadsPkcs8KeyAndVerifiesClientsOnlyWithACa() throws Exception {
        assertFalse(
                TlsCredentials.load(certs.serverCert(), certs.serverKey(), null).verifiesClients());
        TlsCredentials withCa = TlsCredentials.load(certs.serverCert(), certs.serverKey(), certs.ca());
        assertTrue(withCa.verifiesClients());
        assertEquals(64, withCa.fingerprint().length());
        assertTrue(withCa.nbdContext().isServer());
    }

    /** A server certificate for serverAuth only cannot be a forward's client certificate; a peer's can. */
    @Test
    void knowsWhetherTheCertificateMayAuthenticateAClient() throws Exception {
        assertFalse(
                TlsCredentials.load(certs.serverCert(), certs.serverKey(), null).allowsClientAuthentication());
        TlsCredentials peer = TlsCredentials.load(certs.peerCert(), certs.peerKey(), null);
        assertTrue(peer.allowsClientAuthentication());
        assertTrue(peer.clientContext(new PinnedServerTrust(peer.fingerprint(), "a test"))
                .isClient());
    }

    @Test
    void loadsTraditionalRsaKeyAsCerttoolWritesIt() throws Exception {
        Path pkcs1 = dir.resolve("server-key-pkcs1.pem");
        openssl("rsa", "-traditional", "-in", certs.serverKey().toString(), "-out", pkcs1.toString());
        assertTrue(Files.readString(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        TlsCredentials.load(certs.serverCert(), pkcs1, null);
    }

    @Test
    void missingCertificateNamesTheFile() {
        Path missing = dir.resolve("nope.pem");
        assertEquals("TLS certificate " + missing + " does not exist", refusal(missing, certs.serverKey(), null));
    }

    @Test
    void keyOfAnotherCertificateIsRefused() {
        Path otherKey = certs.clientDir("client").resolve("client-key.pem");
        assertTrue(refusal(certs.serverCert(), otherKey, null).contains("does not belong to the certificate"));
    }

    @Test
    void fileWithoutPemIsRefused() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "hello\n");
        assertTrue(refusal(junk, certs.serverKey(), null).contains("holds no PEM X.509 certificate"));
        assertTrue(refusal(certs.serverCert(), junk, null).contains("holds no PEM private key"));
        assertTrue(refusal(certs.serverCert(), certs.serverKey(), junk).startsWith("TLS client CA " + junk));
    }

    @Test
    void encryptedKeyIsRefusedWithHowToDecrypt() throws Exception {
        Path encrypted = dir.resolve("encrypted.pem");
        openssl(
                "pkcs8",
                "-topk8",
                "-in",
                certs.serverKey().toString(),
                "-passout",
                "pass:secret",
                "-out",
                encrypted.toString());
        String message = refusal(certs.serverCert(), encrypted, null);
        assertTrue(message.contains("is encrypted") && message.contains("openssl pkey"), message);
    }

    @Test
    void unreadableKeyIsNamed() throws Exception {
        Path locked = Files.copy(certs.serverKey(), dir.resolve("locked.pem"));
        Files.setPosixFilePermissions(locked, Set.of());
        if (Files.isReadable(locked)) {
            return; // root reads anything; the refusal below cannot happen for this user
        }
        assertTrue(refusal(certs.serverCert(), locked, null).contains("is not readable"));
    }
}
