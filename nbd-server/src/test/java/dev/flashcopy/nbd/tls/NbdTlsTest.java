package dev.flashcopy.nbd.tls;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.NbdSecurity;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.testing.TestCertificates;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** STARTTLS over real sockets, with certificates made by openssl, spoken to by a JDK TLS client. */
class NbdTlsTest {
    private static final int LIST = 3;
    private static final int INFO = 6;
    private static final int GO = 7;
    private static final int STRUCTURED_REPLY = 8;
    private static final int EXPORT_NAME = 1;
    private static final int ACK = 1;
    private static final int ERR_INVALID = 0x80000003;
    private static final int ERR_TLS_REQD = 0x80000005;
    private static final int SIMPLE_REPLY_TYPE = -1;

    @TempDir
    static Path certDir;

    private static TestCertificates certs;

    @TempDir
    Path dir;

    private Volume disk;
    private LeaseCountingDevices devices;
    private NbdServer server;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(certDir.resolve("pki"));
    }

    private void start(TlsMode mode, boolean verifyClients) throws IOException {
        start(mode, verifyClients, TlsProvider.chosen());
    }

    private void start(TlsMode mode, boolean verifyClients, TlsProvider provider) throws IOException {
        disk = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 4L << 20), false);
        devices = new LeaseCountingDevices(disk);
        TlsCredentials credentials =
                TlsCredentials.load(certs.serverCert(), certs.serverKey(), verifyClients ? certs.ca() : null, provider);
        server = NbdServer.start(
                new NbdServerConfig("127.0.0.1", 0, 2, 1),
                new NbdSecurity(mode, credentials, ExportAccess.OPEN, Duration.ofSeconds(10)),
                devices);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            assertEquals(0, devices.openLeases(), "leases left open after close");
            disk.close();
        }
    }

    private RawNbdClient plain() throws IOException {
        RawNbdClient c = new RawNbdClient(server.address());
        c.greet(3);
        return c;
    }

    private static SSLSocketFactory client(String which) throws Exception {
        return ClientTls.from(certs.clientDir(which));
    }

    @Test
    void requireModeAnswersEveryOptionButStartTlsWithTlsRequired() throws Exception {
        start(TlsMode.REQUIRE, false);
        try (RawNbdClient c = plain()) {
            for (int option : new int[] {LIST, STRUCTURED_REPLY, 4242}) {
                c.sendOption(option, new byte[0]);
                assertEquals(ERR_TLS_REQD, c.readOptionReply().type(), "option " + option);
            }
            for (int option : new int[] {INFO, GO}) {
                c.sendOption(option, RawNbdClient.goData("disk"));
                RawNbdClient.OptionReply reply = c.readOptionReply();
                assertEquals(ERR_TLS_REQD, reply.type(), "option " + option);
                assertTrue(new String(reply.data()).contains("requires TLS"), new String(reply.data()));
            }
            assertEquals(0, devices.openLeases(), "nothing opened before TLS");
        }
    }

    @Test
    void requireModeDisconnectsExportNameBeforeTls() throws Exception {
        start(TlsMode.REQUIRE, false);
        try (RawNbdClient c = plain()) {
            c.sendOption(EXPORT_NAME, "disk".getBytes());
            assertTrue(c.closedByServer());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void dataRoundTripsOverTlsWithAVerifiedClientCertificate(TlsProvider provider) throws Exception {
        start(TlsMode.REQUIRE, true, provider);
        byte[] data = new byte[256 << 10];
        new Random(42).nextBytes(data);
        try (RawNbdClient c = plain()) {
            assertEquals(ACK, c.startTls(client("client")));
            c.negotiate("disk", true);
            c.request(0, CMD_WRITE, 1, 65536, data.length, data);
            assertEquals(0, c.readReply().getFirst().error());
            c.request(0, CMD_READ, 2, 65536, data.length, null);
            ByteBuffer read = ByteBuffer.allocate(data.length);
            for (RawNbdClient.Chunk chunk : c.readReply()) {
                if (chunk.type() == 1) { // OFFSET_DATA: 8-byte offset, then data
                    ByteBuffer p = ByteBuffer.wrap(chunk.payload());
                    long offset = p.getLong();
                    read.position((int) (offset - 65536)).put(p);
                }
            }
            assertArrayEquals(data, read.array());
        }
    }

    @ParameterizedTest
    @CsvSource({"OPENSSL, TLSv1.3", "OPENSSL, TLSv1.2", "JDK, TLSv1.3", "JDK, TLSv1.2"})
    void bothProvidersSpeakTls12And13WithAVerifiedClient(TlsProvider provider, String protocol) throws Exception {
        start(TlsMode.REQUIRE, true, provider);
        try (RawNbdClient c = plain()) {
            assertEquals(ACK, c.startTls(ClientTls.from(certs.clientDir("client"), protocol)));
            assertEquals(protocol, c.tlsProtocol());
            c.negotiate("disk", false);
            c.request(0, CMD_READ, 3, 0, 4096, null);
            assertEquals(0, c.readSimple(4096).error());
        }
    }

    @Test
    void secondStartTlsIsInvalid() throws Exception {
        start(TlsMode.ON, false);
        try (RawNbdClient c = plain()) {
            assertEquals(ACK, c.startTls(client("anonymous")));
            c.sendOption(5, new byte[0]);
            assertEquals(ERR_INVALID, c.readOptionReply().type());
            c.sendOption(LIST, new byte[0]);
            assertEquals(ACK, c.readOptionReplies().getLast().type());
        }
    }

    @Test
    void startTlsWithDataIsInvalidAndTheConnectionStaysPlain() throws Exception {
        start(TlsMode.ON, false);
        try (RawNbdClient c = plain()) {
            c.sendOption(5, new byte[] {1});
            assertEquals(ERR_INVALID, c.readOptionReply().type());
            c.sendOption(LIST, new byte[0]);
            assertEquals(ACK, c.readOptionReplies().getLast().type());
        }
    }

    @Test
    void onModeServesPlainClientsToo() throws Exception {
        start(TlsMode.ON, false);
        try (RawNbdClient c = new RawNbdClient(server.address()).connect("disk", false)) {
            assertEquals(4L << 20, c.exportSize);
        }
    }

    @Test
    void structuredRepliesAgreedBeforeStartTlsAreForgotten() throws Exception {
        start(TlsMode.ON, false);
        try (RawNbdClient c = plain()) {
            c.sendOption(STRUCTURED_REPLY, new byte[0]);
            assertEquals(ACK, c.readOptionReply().type());
            assertEquals(ACK, c.startTls(client("anonymous")));
            c.negotiate("disk", false);
            c.request(0, CMD_READ, 7, 0, 4096, null);
            assertEquals(SIMPLE_REPLY_TYPE, c.readSimple(4096).type(), "a clear-text agreement must not survive TLS");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void clientCertificateFromAnotherCaIsRefused(TlsProvider provider) throws Exception {
        start(TlsMode.REQUIRE, true, provider);
        try (RawNbdClient c = plain()) {
            // TLS 1.3 sends the server's verdict on the client certificate after the client's Finished.
            assertThrows(IOException.class, () -> {
                c.startTls(client("rogue"));
                c.sendOption(LIST, new byte[0]);
                c.readOptionReplies();
            });
        }
        assertEquals(0, devices.openLeases());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void clientWithoutCertificateIsRefusedWhenAClientCaIsSet(TlsProvider provider) throws Exception {
        start(TlsMode.REQUIRE, true, provider);
        try (RawNbdClient c = plain()) {
            assertThrows(IOException.class, () -> {
                c.startTls(client("anonymous"));
                c.sendOption(LIST, new byte[0]);
                c.readOptionReplies();
            });
        }
    }
}
