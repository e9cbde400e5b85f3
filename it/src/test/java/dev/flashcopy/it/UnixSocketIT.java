package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.nbd.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on a unix socket file next to its TCP port, driven by the clients that reach a local server that
 * way: nbdinfo, qemu-io, nbdcopy, fio (nbd+unix URIs), over TLS too; and the socket file's life: its mode, a
 * stale file replaced, a live one refused, the file gone after a clean stop.
 */
class UnixSocketIT {
    private static final Duration T = Duration.ofSeconds(300);
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    private static String unixUri(Path socket, String export) {
        return "nbd+unix:///" + export + "?socket=" + socket;
    }

    @Test
    void nbdinfoQemuNbdcopyAndFioAllWorkThroughTheSocketFile() throws IOException {
        Path socket = tmp.resolve("nbd.sock");
        try (ServerProcess server =
                ServerProcess.start(tmp.resolve("data"), "--listen", "unix:" + socket, "--socket-mode", "0660")) {
            String banner = "NBD server listening on unix:" + socket;
            String log = server.awaitLog(l -> l.contains(banner), Duration.ofSeconds(10));
            assertTrue(log.contains(banner), log);
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            server.cli("mkvol", "disk", "--size", "64M").ok();

            JsonNode info = new ObjectMapper().readTree(Command.ok(T, "nbdinfo", "--json", unixUri(socket, "disk")));
            assertEquals(64 * MIB, info.get("exports").get(0).get("export-size").asLong(), info.toString());

            // qemu's own spelling of a unix socket, written and read back through it; TCP sees the same bytes.
            String qemuUnix = "nbd:unix:" + socket + ":exportname=disk";
            Qemu.io(qemuUnix, "write -P 0x5a 0 8M", "write -P 0xc3 16M 4M");
            String back = Qemu.io(qemuUnix, "read -P 0x5a 0 8M", "read -P 0xc3 16M 4M", "read -P 0 8M 8M");
            assertFalse(back.contains("Pattern verification failed"), back);
            assertEquals(Exports.sha256(server.uri("disk")), Exports.sha256(unixUri(socket, "disk")));

            // An image copied in and out through the socket comes back bit for bit.
            byte[] image = new byte[(int) (64 * MIB)];
            Random random = new Random(20);
            for (int off = 0; off < image.length; off += (int) MIB) { // half data, half holes
                if (random.nextBoolean()) {
                    byte[] chunk = new byte[(int) MIB];
                    random.nextBytes(chunk);
                    System.arraycopy(chunk, 0, image, off, chunk.length);
                }
            }
            Path in = tmp.resolve("in.raw");
            Files.write(in, image);
            Command.ok(T, "nbdcopy", in.toString(), unixUri(socket, "disk"));
            Path out = tmp.resolve("out.raw");
            Command.ok(T, "nbdcopy", unixUri(socket, "disk"), out.toString());
            assertEquals(Exports.sha256(in), Exports.sha256(out));
            assertEquals(Exports.sha256(in), Exports.sha256(server.uri("disk")), "TCP reads what unix wrote");

            Command.Result fio = Command.run(
                            T,
                            "fio",
                            "--name=verify",
                            "--ioengine=nbd",
                            "--uri=" + unixUri(socket, "disk"),
                            "--rw=randwrite",
                            "--bsrange=512-64k",
                            "--iodepth=16",
                            "--numjobs=2",
                            "--size=16M",
                            "--offset_increment=16M",
                            "--verify=crc32c",
                            "--verify_fatal=1",
                            "--do_verify=1",
                            "--verify_state_save=0",
                            "--group_reporting")
                    .ok();
            assertTrue(fio.out().contains("err= 0"), fio.out());
            server.stop();
            assertFalse(Files.exists(socket), "a clean stop removes the socket file");
        }
    }

    @Test
    void tlsWorksOverTheSocketFileWithClientCertificates() throws IOException, InterruptedException {
        TestCertificates pki = TestCertificates.create(tmp.resolve("pki"));
        Path socket = tmp.resolve("tls.sock");
        try (ServerProcess server = ServerProcess.start(
                tmp.resolve("data"),
                "--listen",
                "unix:" + socket,
                "--tls",
                "require",
                "--tls-cert",
                pki.serverCert().toString(),
                "--tls-key",
                pki.serverKey().toString(),
                "--tls-ca",
                pki.ca().toString())) {
            server.cli("mkvol", "secure", "--size", "16M").ok();
            String nbds = "nbds+unix:///secure?socket=" + socket + "&tls-certificates=" + pki.clientDir("client")
                    + "&tls-hostname=localhost";
            JsonNode info = new ObjectMapper().readTree(Command.ok(T, "nbdinfo", "--json", nbds));
            assertTrue(info.get("TLS").asBoolean(), info.toString());

            String[] qemu = {
                "qemu-io",
                "--object",
                "tls-creds-x509,id=tls0,dir=" + pki.clientDir("client") + ",endpoint=client",
                "--image-opts",
                "driver=nbd,server.type=unix,server.path=" + socket
                        + ",export=secure,tls-creds=tls0,tls-hostname=localhost",
                "-c",
                "write -P 0x3c 1M 2M",
                "-c",
                "read -P 0x3c 1M 2M"
            };
            Command.Result rw = Command.run(T, qemu).ok();
            assertFalse((rw.out() + rw.err()).contains("rror"), rw.out() + rw.err());
            assertFalse(rw.out().contains("Pattern verification failed"), rw.out());

            Command.Result plain = Command.run(T, "nbdinfo", unixUri(socket, "secure"));
            assertFalse(plain.exit() == 0, "a plain client is refused on the socket as on TCP: " + plain.out());
        }
    }

    @Test
    void exportRulesSeeAUnixClientAsLoopback() {
        Path socket = tmp.resolve("rules.sock");
        try (ServerProcess server = ServerProcess.start(
                tmp.resolve("data"),
                "--listen",
                "unix:" + socket,
                "--allow",
                "local=127.0.0.1/32",
                "--allow",
                "remote=10.0.0.0/8")) {
            server.cli("mkvol", "local", "--size", "4M").ok();
            server.cli("mkvol", "remote", "--size", "4M").ok();
            Command.ok(T, "nbdinfo", unixUri(socket, "local"));
            Command.Result denied = Command.run(T, "nbdinfo", unixUri(socket, "remote"));
            assertFalse(denied.exit() == 0, "a range without loopback keeps unix clients out: " + denied.out());
            assertTrue(denied.err().contains("opt_go request"), "refused at the handshake: " + denied.err());
        }
    }

    @Test
    void aLiveSocketIsRefusedAndAStaleOneLeftByAKillIsReplaced() {
        Path socket = tmp.resolve("shared.sock");
        try (ServerProcess first = ServerProcess.start(tmp.resolve("one"), "--listen", "unix:" + socket)) {
            first.cli("mkvol", "one", "--size", "4M").ok();
            Command.Result second = Command.runWith(
                    T,
                    Map.of("FLASHCOPY_NO_BUILD", "1"),
                    tmp,
                    Repo.launcher().toString(),
                    "serve",
                    "--data",
                    tmp.resolve("two").toString(),
                    "--listen",
                    "unix:" + socket,
                    "--admin",
                    "127.0.0.1:0");
            assertEquals(5, second.exit(), second.out() + second.err());
            assertEquals(
                    "flashcopy: cannot listen for NBD on unix:" + socket + ": " + socket + " is in use: a running"
                            + " server accepts connections on it (stop it or choose another path)",
                    second.err().strip());
            assertTrue(Command.ok(T, "nbdinfo", "--list", "nbd+unix:///?socket=" + socket)
                    .contains("one"));

            first.kill9();
            assertTrue(Files.exists(socket), "SIGKILL leaves the socket file behind");
            first.restart();
            String banner = "NBD server listening on unix:" + socket;
            String log = first.awaitLog(l -> l.split(banner, -1).length == 3, Duration.ofSeconds(10));
            assertEquals(3, log.split(banner, -1).length, "both runs listened on the socket: " + log);
            assertTrue(Command.ok(T, "nbdinfo", "--list", "nbd+unix:///?socket=" + socket)
                    .contains("one"));
        }
    }
}
