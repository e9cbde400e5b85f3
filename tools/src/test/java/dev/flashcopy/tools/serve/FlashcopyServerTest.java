package dev.flashcopy.tools.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.tls.TlsMode;
import dev.flashcopy.tools.admin.AdminFile;
import java.io.DataInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlashcopyServerTest {
    private static final HostPort ANY = HostPort.parse("127.0.0.1:0");

    @TempDir
    Path dir;

    private final StringWriter log = new StringWriter();

    private FlashcopyServer start(Path data, HostPort nbd, HostPort admin, boolean demo) throws StartupException {
        return FlashcopyServer.start(new ServeSettings(data, nbd, admin, demo), new PrintWriter(log, true));
    }

    @Test
    void publishesAdminFileReadableOnlyByTheOwnerWithTheRealAddresses() throws Exception {
        Path data = dir.resolve("data");
        try (FlashcopyServer server = start(data, ANY, ANY, false)) {
            Path file = data.resolve("admin.json");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            AdminFile published = AdminFile.read(data);
            assertEquals("http://127.0.0.1:" + server.adminAddress().getPort(), published.url());
            assertEquals("127.0.0.1:" + server.nbdAddress().getPort(), published.nbd());
            assertEquals(ProcessHandle.current().pid(), published.pid());
            assertTrue(published.token().matches("[0-9a-f]{64}"), published.token());
            assertFalse(Files.exists(data.resolve("admin.json.tmp")));

            assertEquals(200, status(published.url() + "/v1/server", published.token()));
            assertEquals(401, status(published.url() + "/v1/server", "guess"));
        }
    }

    @Test
    void exportsOverNbdWithTheFixedNewstyleGreeting() throws Exception {
        try (FlashcopyServer server = start(dir.resolve("data"), ANY, ANY, true);
                Socket s = new Socket(
                        server.nbdAddress().getAddress(), server.nbdAddress().getPort())) {
            s.setSoTimeout(5_000);
            byte[] magic = new byte[16];
            new DataInputStream(s.getInputStream()).readFully(magic);
            // NBD spec, "Fixed newstyle negotiation": NBDMAGIC then IHAVEOPT.
            assertEquals("NBDMAGICIHAVEOPT", new String(magic, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void closeDeletesAdminFileAndReleasesTheLock() throws Exception {
        Path data = dir.resolve("data");
        start(data, ANY, ANY, false).close();
        assertFalse(Files.exists(data.resolve("admin.json")));
        try (FlashcopyServer again = start(data, ANY, ANY, false)) {
            assertTrue(Files.exists(data.resolve("admin.json")));
        }
    }

    @Test
    void secondServerOnTheSameDataDirectoryIsRefused() throws Exception {
        Path data = dir.resolve("data");
        try (FlashcopyServer first = start(data, ANY, ANY, false)) {
            AdminFile published = AdminFile.read(data);
            StartupException e = assertThrows(StartupException.class, () -> start(data, ANY, ANY, false));
            assertTrue(
                    e.getMessage()
                            .contains("is in use by another flashcopy server (pid "
                                    + ProcessHandle.current().pid() + ")"),
                    e.getMessage());
            assertEquals(
                    published, AdminFile.read(data), "the refused server must not touch the first one's admin.json");
        }
    }

    @Test
    void adminPortInUseFailsStartupAndUndoesEverything() throws Exception {
        Path data = dir.resolve("data");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HostPort busy = new HostPort("127.0.0.1", taken.getLocalPort());
            StartupException e = assertThrows(StartupException.class, () -> start(data, ANY, busy, false));
            assertTrue(
                    e.getMessage().startsWith("cannot listen for the admin API on 127.0.0.1:" + busy.port()),
                    e.getMessage());
            StartupException nbd = assertThrows(StartupException.class, () -> start(data, busy, ANY, false));
            assertTrue(
                    nbd.getMessage().startsWith("cannot listen for NBD on 127.0.0.1:" + busy.port()), nbd.getMessage());
        }
        assertFalse(Files.exists(data.resolve("admin.json")));
        start(data, ANY, ANY, false).close(); // the lock was released by the failed starts
    }

    @Test
    void startFailuresAreSentencesNamingTheOptionNeverAClassName() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        String notDir = assertThrows(StartupException.class, () -> start(file, ANY, ANY, false))
                .getMessage();
        assertTrue(notDir.startsWith("--data " + file + " is not a directory"), notDir);
        String host = assertThrows(
                        StartupException.class,
                        () -> start(dir.resolve("data"), HostPort.parse("nohost.invalid:1"), ANY, false))
                .getMessage();
        assertTrue(host.contains("--listen nohost.invalid:1") && host.contains("cannot be resolved"), host);
        assertFalse(Files.exists(dir.resolve("data")), "nothing was created before the address was checked");
        String denied = StartFailures.inWords(new AccessDeniedException("/root/x"));
        assertEquals("permission denied: /root/x", denied);
        String bare = StartFailures.inWords(new UnresolvedAddressException());
        assertFalse(bare.contains("Exception"), bare);
    }

    @Test
    void demoCreatesAOneGibSparseVolumeOnceAndKeepsIt() throws Exception {
        Path data = dir.resolve("data");
        try (FlashcopyServer server = start(data, ANY, ANY, true)) {
            assertTrue(server.demoCreated());
            assertEquals(1L << 30, server.store().get("demo").size());
        }
        try (FlashcopyServer server = start(data, ANY, ANY, true)) {
            assertFalse(server.demoCreated());
            assertEquals(1, server.store().records().size());
        }
    }

    @Test
    void demoInstructionsUseTheRealAddress() {
        var lines = String.join("\n", DemoVolume.instructions(List.of(new InetSocketAddress("127.0.0.1", 4242))));
        assertTrue(lines.contains("nbd-client 127.0.0.1 4242 /dev/nbd0 -N demo"), lines);
        assertTrue(lines.contains("nbdinfo nbd://127.0.0.1:4242/demo"), lines);
        assertTrue(lines.contains("qemu-img info nbd://127.0.0.1:4242/demo"), lines);
        assertTrue(lines.contains("nbdfuse /tmp/demo/disk nbd://127.0.0.1:4242/demo &"), lines);
        assertTrue(lines.contains("fio --name=demo --ioengine=nbd --uri=nbd://127.0.0.1:4242/demo "), lines);
        var v6 = String.join("\n", DemoVolume.instructions(List.of(new InetSocketAddress("::1", 4242))));
        assertTrue(v6.contains("nbdinfo nbd://[0:0:0:0:0:0:0:1]:4242/demo"), v6);
        var unix = String.join(
                "\n",
                DemoVolume.instructions(List.of(
                        UnixDomainSocketAddress.of("/run/fc/nbd.sock"), new InetSocketAddress("127.0.0.1", 4242))));
        assertTrue(unix.contains("nbdinfo nbd://127.0.0.1:4242/demo"), "TCP first when there is one: " + unix);
        assertTrue(unix.contains("nbdinfo 'nbd+unix:///demo?socket=/run/fc/nbd.sock'"), unix);
        assertTrue(unix.contains("qemu-io -f raw 'nbd:unix:/run/fc/nbd.sock:exportname=demo'"), unix);
        var unixOnly =
                String.join("\n", DemoVolume.instructions(List.of(UnixDomainSocketAddress.of("/run/fc/nbd.sock"))));
        assertTrue(
                unixOnly.contains("fio --name=demo --ioengine=nbd --uri='nbd+unix:///demo?socket=/run/fc/nbd.sock'"),
                unixOnly);
        assertFalse(unixOnly.contains("nbd-client"), "the kernel line needs a TCP address: " + unixOnly);
    }

    /** With TLS required the demo prints only forms that speak TLS; with TLS offered, the plain ones too. */
    @Test
    void demoInstructionsSpeakTlsWhenTheServerRequiresIt() {
        Path cert = dir.resolve("server-cert.pem"); // no client/ beside it: the lines say DIR
        ServeSecurity require = new ServeSecurity(
                TlsMode.REQUIRE, cert, dir.resolve("k.pem"), cert, ExportAccess.OPEN, Duration.ofSeconds(10));
        var lines = String.join(
                "\n",
                DemoVolume.instructions(
                        List.of(new InetSocketAddress("127.0.0.1", 4242), UnixDomainSocketAddress.of("/run/s")),
                        require));
        assertFalse(lines.contains("nbd://"), "no plain URI when TLS is required: " + lines);
        assertTrue(lines.contains("nbdinfo 'nbds://127.0.0.1:4242/demo?tls-certificates=DIR'"), lines);
        assertTrue(
                lines.contains("tls-creds-x509,id=tls0,dir=DIR,endpoint=client --image-opts driver=nbd,"
                        + "host=127.0.0.1,port=4242,export=demo,tls-creds=tls0"),
                lines);
        assertTrue(
                lines.contains("-cacertfile DIR/ca-cert.pem -certfile DIR/client-cert.pem -keyfile"
                        + " DIR/client-key.pem -tlshostname 127.0.0.1"),
                lines);
        assertTrue(lines.contains("nbdfuse /tmp/demo/disk nbds://127.0.0.1:4242/demo &"), lines);
        assertTrue(lines.contains("--uri=nbds://127.0.0.1:4242/demo "), lines);
        assertTrue(
                lines.contains("'nbds+unix:///demo?socket=/run/s&tls-certificates=DIR&tls-hostname=localhost'"), lines);
        ServeSecurity on = new ServeSecurity(
                TlsMode.ON, cert, dir.resolve("k.pem"), null, ExportAccess.OPEN, Duration.ofSeconds(10));
        var both = String.join("\n", DemoVolume.instructions(List.of(new InetSocketAddress("127.0.0.1", 4242)), on));
        assertTrue(both.contains("nbdinfo nbd://127.0.0.1:4242/demo") && both.contains("nbds://"), both);
        assertFalse(both.contains("-certfile"), "no client certificate asked for: " + both);
    }

    @Test
    void hostPortParsesNamesAndBracketedIpv6AndRefusesTheRest() {
        assertEquals(new HostPort("localhost", 0), HostPort.parse("localhost:0"));
        assertEquals(new HostPort("::1", 10809), HostPort.parse("[::1]:10809"));
        for (String bad : new String[] {"", "10809", ":10809", "host:", "host:x", "host:65536", "::1:10809"}) {
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
        }
    }

    private static int status(String url, String token) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setRequestProperty("Authorization", "Bearer " + token);
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }
}
