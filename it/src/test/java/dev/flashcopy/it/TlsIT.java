package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.testing.TestCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NBD over TLS with real clients: libnbd's nbdinfo/nbdcopy (nbds:// with a certificates directory)
 * and qemu (tls-creds-x509), against a server started with {@code --tls require} and {@code --tls-ca},
 * so every client must present a certificate signed by the test CA.
 */
class TlsIT {
    private static final Duration T = Duration.ofSeconds(120);
    private static final long MIB = 1 << 20;
    private static final int ERR_TLS_REQD = 0x80000005;

    @TempDir
    static Path tmp;

    static TestCertificates pki;
    static ServerProcess server;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        pki = TestCertificates.create(tmp.resolve("pki"));
        server = ServerProcess.start(
                tmp.resolve("data"),
                "--tls",
                "require",
                "--tls-cert",
                pki.serverCert().toString(),
                "--tls-key",
                pki.serverKey().toString(),
                "--tls-ca",
                pki.ca().toString());
        server.cli("mkvol", "secure", "--size", "64M").ok(); // the CLI reaches the HTTPS admin API by pinning
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String nbds(String export, String clientDir) {
        return "nbds://127.0.0.1:" + server.port() + "/" + export + "?tls-certificates=" + pki.clientDir(clientDir);
    }

    /** {@code TOOL [SUBCOMMAND] --object tls-creds-x509,... --image-opts driver=nbd,...,tls-creds=tls0 ARGS}. */
    private static String[] qemu(String tool, String clientDir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool.split(" ")));
        cmd.addAll(List.of(
                "--object",
                "tls-creds-x509,id=tls0,dir=" + pki.clientDir(clientDir) + ",endpoint=client",
                "--image-opts",
                "driver=nbd,host=127.0.0.1,port=" + server.port() + ",export=secure,tls-creds=tls0"));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    @Test
    void nbdinfoWithAClientCertificateListsAndDescribesTheExportOverTls() throws IOException {
        JsonNode info = new ObjectMapper().readTree(Command.ok(T, "nbdinfo", "--json", nbds("secure", "client")));
        JsonNode export = info.get("exports").get(0);
        assertEquals("secure", export.get("export-name").asText());
        assertEquals(64 * MIB, export.get("export-size").asLong());
        assertTrue(info.get("TLS").asBoolean(), info.toString());
        String list = Command.ok(T, "nbdinfo", "--list", nbds("", "client"));
        assertTrue(list.contains("secure"), list);
    }

    @Test
    void qemuWritesOverTlsAndBothClientsReadTheSameBytesBack() throws Exception {
        String[] writes = {"-c", "write -P 0x5a 0 8M", "-c", "write -P 0xc3 16M 4M"};
        Command.Result w = Command.run(T, qemu("qemu-io", "client", writes)).ok();
        assertFalse((w.out() + w.err()).contains("rror"), w.out() + w.err());

        byte[] expected = new byte[(int) (64 * MIB)];
        Arrays.fill(expected, 0, (int) (8 * MIB), (byte) 0x5a);
        Arrays.fill(expected, (int) (16 * MIB), (int) (20 * MIB), (byte) 0xc3);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected));
        assertEquals(sha, Exports.sha256(nbds("secure", "client")), "nbdcopy over TLS");

        Path copy = tmp.resolve("copy.raw");
        Command.run(T, qemu("qemu-img convert", "client", "-O", "raw", copy.toString()))
                .ok();
        assertEquals(sha, Exports.sha256(copy), "qemu-img convert over TLS");
        Command.Result check = Command.run(T, qemu("qemu-io", "client", "-c", "read -P 0xc3 16M 4M"));
        assertFalse(
                (check.out() + check.err()).contains("rror") || (check.out() + check.err()).contains("fail"),
                check.out() + check.err());
    }

    @Test
    void bannerNamesTheOpensslProviderTheServerEncryptsWith() {
        // The dependency ships BoringSSL for linux-x86_64, so the default (auto) must have taken it here.
        String log = server.awaitLog(l -> l.contains("NBD TLS require"), Duration.ofSeconds(10));
        assertTrue(log.contains("client certificates required; provider openssl (BoringSSL))"), log);
    }

    @Test
    void plainClientIsRefusedAndSeesNoExport() throws IOException {
        Command.Result open = Command.run(T, "nbdinfo", server.uri("secure"));
        assertNotEquals(0, open.exit());
        assertFalse(open.out().contains("export-size"), open.out());
        Command.Result list = Command.run(T, "nbdinfo", "--list", "nbd://127.0.0.1:" + server.port());
        assertNotEquals(0, list.exit());
        assertFalse(list.out().contains("secure"), list.out());
        try (RawNbdClient raw = new RawNbdClient("127.0.0.1", server.port())) {
            raw.greet();
            raw.sendOption(3, new byte[0]); // LIST
            RawNbdClient.OptionReply reply = raw.readOptionReply();
            assertEquals(ERR_TLS_REQD, reply.type());
            assertTrue(new String(reply.data(), StandardCharsets.UTF_8).contains("requires TLS"));
        }
    }

    @Test
    void clientCertificateSignedByAnotherCaIsRefused() {
        Command.Result nbdinfo = Command.run(T, "nbdinfo", nbds("secure", "rogue"));
        assertNotEquals(0, nbdinfo.exit());
        assertTrue(nbdinfo.err().contains("TLS") || nbdinfo.err().contains("gnutls"), nbdinfo.err());
        Command.Result qemu = Command.run(T, qemu("qemu-img info", "rogue"));
        assertNotEquals(0, qemu.exit());
        String log = server.awaitLog(l -> l.contains("PKIX path building failed"), Duration.ofSeconds(10));
        assertTrue(log.contains("PKIX path building failed"), log);
    }

    @Test
    void clientWithoutCertificateIsRefused() throws IOException {
        Command.Result r = Command.run(T, "nbdinfo", nbds("secure", "anonymous"));
        assertNotEquals(0, r.exit());
        // BoringSSL's words for it (the default provider here), then the JDK's (TLS 1.2, 1.3).
        List<String> why =
                List.of("PEER_DID_NOT_RETURN_A_CERTIFICATE", "Empty client certificate chain", "certificate_required");
        String log = server.awaitLog(l -> why.stream().anyMatch(l::contains), Duration.ofSeconds(10));
        assertTrue(why.stream().anyMatch(log::contains), log);
        assertTrue(Files.exists(server.dataDir().resolve("volumes/secure.img")));
    }
}
