package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.CephPool;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.nbd.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster whose servers all require TLS with client certificates ({@code --tls require --tls-ca}, one test CA):
 * a host's TLS connection to the standby is forwarded over TLS to the owner (the standby trusts the certificate the
 * owner published in the pool and presents its own), so nbdcopy writes through the standby and reads back through
 * the owner; and the standby's HTTPS admin API passes reads on to the owner's. In a pool of the test's own.
 */
class TlsStandbyIT {
    private static final Duration T = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aStandbyForwardsATlsHostOverTlsToAnOwnerThatRequiresClientCertificates() throws Exception {
        TestCertificates pki = TestCertificates.create(tmp.resolve("pki"));
        List<String> tls = List.of(
                "--tls",
                "require",
                "--tls-cert",
                pki.peerCert().toString(), // valid as a client too: the standby's forward presents it
                "--tls-key",
                pki.peerKey().toString(),
                "--tls-ca",
                pki.ca().toString());
        try (CephPool pool = CephPool.create("fctls");
                ServerProcess owner = ServerProcess.start(tmp.resolve("a"), args(pool, "a", tls));
                ServerProcess standby = ServerProcess.start(tmp.resolve("b"), args(pool, "b", tls))) {
            owner.cli("mkvol", "sec", "--size", "16M").ok();
            Path in = tmp.resolve("in.raw");
            byte[] data = new byte[16 << 20];
            new Random(20261207L).nextBytes(data);
            Files.write(in, data);

            Command.ok(T, "nbdcopy", in.toString(), nbds(standby, "sec", pki));

            String expected = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            assertEquals(expected, Exports.sha256(nbds(owner, "sec", pki)), "written through the standby");
            assertEquals(expected, Exports.sha256(nbds(standby, "sec", pki)), "read through the standby");
            assertTrue(
                    standby.logText().contains("standby: the store of pool"),
                    "b is the standby: the bytes went through its forward\n" + standby.logText());
            assertFalse(owner.logText().contains("warning: --tls-cert"), owner.logText());

            JsonNode volumes = JSON.readTree(standby.cli("lsvol", "--json").ok().out());
            assertEquals("sec", volumes.path(0).path("name").asText(), volumes.toString());
            assertEquals("a", volumes.path(0).path("owner").asText(), "the standby's HTTPS API answered for a");
        }
    }

    private static String[] args(CephPool pool, String name, List<String> tls) {
        List<String> a = new ArrayList<>(List.of(Ceph.serverArgs(pool.name(), name)));
        a.addAll(tls);
        return a.toArray(String[]::new);
    }

    private static String nbds(ServerProcess s, String volume, TestCertificates pki) {
        return "nbds://127.0.0.1:" + s.port() + "/" + volume + "?tls-certificates=" + pki.clientDir("client");
    }
}
