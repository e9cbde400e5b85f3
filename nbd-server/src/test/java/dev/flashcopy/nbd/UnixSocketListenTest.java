package dev.flashcopy.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.listen.ListenFailure;
import dev.flashcopy.nbd.listen.SocketFileAccess;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.tls.TlsMode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The server on unix socket files next to TCP: the greeting arrives, stale files go, live ones are refused. */
class UnixSocketListenTest {
    /** The fixed newstyle greeting: "NBDMAGIC", then "IHAVEOPT". */
    private static final byte[] GREETING_MAGIC = "NBDMAGICIHAVEOPT".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private Volume disk;
    private LeaseCountingDevices devices;

    @BeforeEach
    void open() throws IOException {
        disk = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 1 << 20), false);
        devices = new LeaseCountingDevices(disk);
    }

    @AfterEach
    void closeDisk() {
        System.clearProperty(Transport.PROPERTY);
        disk.close();
    }

    private NbdServer start(Endpoint... endpoints) throws IOException {
        return NbdServer.start(new NbdServerConfig(List.of(endpoints), 2, 1, 64 << 20), devices);
    }

    private static byte[] greeting(Path socket) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer buf = ByteBuffer.allocate(GREETING_MAGIC.length);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // the greeting may arrive in pieces
            }
            return buf.array();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void greetsOnAUnixSocketAndTcpAlikeWithTheModeAskedAndRemovesTheFileOnClose(String transport) throws Exception {
        System.setProperty(Transport.PROPERTY, transport);
        Path socket = dir.resolve("nbd.sock");
        SocketFileAccess access = new SocketFileAccess(SocketFileAccess.parseMode("0660"), null, null);
        NbdServer server = start(new Endpoint.Tcp("127.0.0.1", 0), new Endpoint.Unix(socket, access));
        try {
            assertEquals(List.of(server.address(), UnixDomainSocketAddress.of(socket)), server.addresses());
            assertArrayEquals(GREETING_MAGIC, greeting(socket), transport);
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            try (RawNbdClient tcp = new RawNbdClient(server.address()).connect("disk", true)) {
                assertNotNull(tcp);
            }
        } finally {
            server.close();
        }
        assertFalse(Files.exists(socket), "the socket file is removed on close");
        assertEquals(0, devices.openLeases());
    }

    /**
     * A unix client has no address of its own: the log names the socket it came in on and, where the transport asks
     * the kernel (epoll, io_uring), the process that connected, here this test's. A client that says nothing until
     * the handshake times out is logged by that name.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void aUnixClientIsLoggedBySocketAndProcess(String transport) throws Exception {
        System.setProperty(Transport.PROPERTY, transport);
        Path socket = dir.resolve("nbd.sock");
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger log = Logger.getLogger(HandshakeHandler.class.getName());
        log.addHandler(capture);
        try (NbdServer server = NbdServer.start(
                        new NbdServerConfig(List.of(new Endpoint.Unix(socket)), 2, 1, 64 << 20),
                        new NbdSecurity(TlsMode.OFF, null, ExportAccess.OPEN, Duration.ofMillis(200)),
                        devices);
                SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.connect(UnixDomainSocketAddress.of(socket));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (records.stream().noneMatch(r -> r.getMessage().contains("did not finish"))) {
                assertTrue(System.nanoTime() < deadline, "no handshake timeout logged: " + records);
                Thread.sleep(10);
            }
        } finally {
            log.removeHandler(capture);
        }
        LogRecord expired = records.stream()
                .filter(r -> r.getMessage().contains("did not finish"))
                .findFirst()
                .orElseThrow();
        String peer = String.valueOf(expired.getParameters()[0]);
        if (transport.equals("nio")) {
            assertEquals("unix:" + socket, peer, "NIO cannot ask the kernel who connected");
        } else {
            int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            assertEquals("unix:" + socket + " (pid " + ProcessHandle.current().pid() + ", uid " + uid + ")", peer);
        }
    }

    @Test
    void aSocketFileNobodyAcceptsOnIsReplaced() throws Exception {
        Path socket = dir.resolve("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket)); // closing leaves the file, as a killed server does
        }
        assertTrue(Files.exists(socket));
        try (NbdServer server = start(new Endpoint.Unix(socket))) {
            assertEquals(List.of(UnixDomainSocketAddress.of(socket)), server.addresses());
            assertArrayEquals(GREETING_MAGIC, greeting(socket));
        }
    }

    @Test
    void aSocketALiveServerAcceptsOnIsRefusedAndKeepsServing() throws Exception {
        Path socket = dir.resolve("live.sock");
        try (NbdServer first = start(new Endpoint.Unix(socket))) {
            ListenFailure refused = assertThrows(ListenFailure.class, () -> start(new Endpoint.Unix(socket)));
            assertEquals(
                    "cannot listen on unix:" + socket + ": " + socket + " is in use: a running server accepts"
                            + " connections on it (stop it or choose another path)",
                    refused.getMessage());
            assertArrayEquals(GREETING_MAGIC, greeting(socket), "the first server still answers");
        }
    }

    @Test
    void aRegularFileInTheWayIsRefusedAndLeftAlone() throws Exception {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "mine");
        ListenFailure refused = assertThrows(
                ListenFailure.class, () -> start(new Endpoint.Tcp("127.0.0.1", 0), new Endpoint.Unix(file)));
        assertTrue(
                refused.getMessage()
                        .endsWith(file + " exists and is not a socket (remove it or choose another" + " path)"),
                refused.getMessage());
        assertEquals("mine", Files.readString(file));
    }

    @Test
    void theSocketFileGoesToTheOwnerAskedAndAnUnknownUserIsNamed() throws Exception {
        Path socket = dir.resolve("owned.sock");
        String me = System.getProperty("user.name");
        // Giving a file away needs root; anyone may keep it as their own and pick one of their groups.
        String owner = me.equals("root") ? "daemon" : me;
        String group = Files.getAttribute(dir, "posix:group").toString();
        SocketFileAccess access = SocketFileAccess.UMASK.withOwner(owner + ":" + group);
        try (NbdServer server = start(new Endpoint.Unix(socket, access))) {
            assertEquals(owner, Files.getOwner(socket).getName());
            assertArrayEquals(GREETING_MAGIC, greeting(socket));
        }
        SocketFileAccess nobody = SocketFileAccess.UMASK.withOwner("no-such-user-fc");
        ListenFailure refused =
                assertThrows(ListenFailure.class, () -> start(new Endpoint.Unix(dir.resolve("x.sock"), nobody)));
        assertTrue(refused.getMessage().endsWith(": no such user: no-such-user-fc"), refused.getMessage());
        assertFalse(Files.exists(dir.resolve("x.sock")), "a socket whose owner could not be set is not left behind");
    }

    @Test
    void octalModesParseAndNonsenseIsRefusedWithTheForm() {
        assertEquals("rw-------", PosixFilePermissions.toString(SocketFileAccess.parseMode("600")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(SocketFileAccess.parseMode("0750")));
        for (String bad : Arrays.asList("abc", "1777", "-1", "")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> SocketFileAccess.parseMode(bad));
            assertTrue(e.getMessage().contains("expected: octal permission bits"), e.getMessage());
        }
        SocketFileAccess owned = SocketFileAccess.UMASK.withOwner("nbd:disk");
        assertEquals("nbd", owned.owner());
        assertEquals("disk", owned.group());
        assertEquals("disk", SocketFileAccess.UMASK.withOwner(":disk").group());
        assertThrows(IllegalArgumentException.class, () -> SocketFileAccess.UMASK.withOwner(":"));
    }
}
