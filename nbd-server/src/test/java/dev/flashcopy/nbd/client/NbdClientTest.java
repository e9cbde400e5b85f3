package dev.flashcopy.nbd.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.NbdSecurity;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.TransmissionFlag;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.TestCertificates;
import dev.flashcopy.nbd.tls.TlsCredentials;
import dev.flashcopy.nbd.tls.TlsMode;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against our own server, in-process, over TCP and real sparse image files. */
class NbdClientTest {
    private static final long SIZE = 128L << 20;
    private static final int MIB = 1 << 20;

    private static ClientLoops loops;

    @TempDir
    Path dir;

    private Volume disk;
    private Volume readOnly;
    private CountingDevice counted;
    private LeaseCountingDevices devices;
    private NbdServer server;

    @BeforeAll
    static void startLoops() {
        loops = ClientLoops.create(1);
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    @BeforeEach
    void start() throws IOException {
        disk = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), SIZE), false);
        readOnly = new Volume("ro", ImageFile.create(dir.resolve("ro.img"), SIZE), true);
        counted = new CountingDevice(disk);
        devices = new LeaseCountingDevices(counted, readOnly);
        server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 8, 1), devices);
    }

    @AfterEach
    void stop() {
        server.close();
        disk.close();
        readOnly.close();
    }

    private RemoteExport export(String name) {
        return new RemoteExport(new Endpoint.Tcp("127.0.0.1", server.port()), name);
    }

    private RemoteDevice device(String name) throws IOException {
        return RemoteDevice.open(name, Dialer.of(export(name), loops), Reconnect.NEVER);
    }

    static byte[] pattern(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] read(RemoteDevice d, long offset, int length) throws BlockIoException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        d.read(offset, dst);
        assertFalse(dst.hasRemaining(), "read left its buffer unfilled");
        return dst.array();
    }

    @Test
    void handshakeReportsWhatTheServerAdvertises() throws IOException {
        try (NbdConnection c = NbdClient.open(export("disk"), loops)) {
            ExportDetails d = c.details();
            assertEquals(SIZE, d.size());
            assertFalse(d.readOnly());
            assertTrue(d.structuredReplies());
            assertTrue(d.blockStatus());
            assertEquals(NbdWire.MAX_PAYLOAD, d.maximumPayload());
            assertEquals(NbdWire.MIN_BLOCK_SIZE, d.minimumBlock());
            for (TransmissionFlag f : List.of(
                    TransmissionFlag.SEND_FUA,
                    TransmissionFlag.SEND_FLUSH,
                    TransmissionFlag.SEND_TRIM,
                    TransmissionFlag.SEND_WRITE_ZEROES,
                    TransmissionFlag.SEND_FAST_ZERO,
                    TransmissionFlag.SEND_CACHE)) {
                assertTrue(d.has(f), f + " not advertised");
            }
        }
        try (NbdConnection c = NbdClient.open(export("ro"), loops)) {
            assertTrue(c.details().readOnly());
        }
    }

    @Test
    void unknownExportIsRefusedWithTheServersMessage() {
        HandshakeRefused e = assertThrows(HandshakeRefused.class, () -> NbdClient.open(export("nope"), loops));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        assertTrue(e.getMessage().contains("no export named"), e.getMessage());
        assertTrue(e.getMessage().contains("NBD_REP_ERR_UNKNOWN"), e.getMessage());
    }

    @Test
    void writtenBytesReadBackAtUnalignedOffsets() throws IOException {
        byte[] data = pattern(MIB + 777, 1);
        try (RemoteDevice d = device("disk")) {
            d.write(3L * MIB + 4097, ByteBuffer.wrap(data), false);
            assertArrayEquals(data, read(d, 3L * MIB + 4097, data.length));
            ByteBuffer onDisk = ByteBuffer.allocate(data.length);
            disk.read(3L * MIB + 4097, onDisk);
            assertArrayEquals(data, onDisk.array(), "the far device holds other bytes");
        }
    }

    @Test
    void gatheredWriteLandsAsOneRequest() throws IOException {
        byte[] a = pattern(5000, 2);
        byte[] b = pattern(70000, 3);
        try (RemoteDevice d = device("disk")) {
            int before = counted.writes.get();
            d.write(MIB, new ByteBuffer[] {ByteBuffer.wrap(a), ByteBuffer.wrap(b)}, false);
            assertEquals(before + 1, counted.writes.get());
            byte[] back = read(d, MIB, a.length + b.length);
            assertArrayEquals(a, Arrays.copyOfRange(back, 0, a.length));
            assertArrayEquals(b, Arrays.copyOfRange(back, a.length, back.length));
        }
    }

    @Test
    void fuaAndFlushReachTheFarDevice() throws IOException {
        try (RemoteDevice d = device("disk")) {
            d.write(0, ByteBuffer.wrap(pattern(4096, 4)), true);
            d.write(8192, ByteBuffer.wrap(pattern(4096, 5)), false);
            assertEquals(1, counted.fuaWrites.get());
            assertEquals(0, counted.flushes.get());
            d.flush();
            assertEquals(1, counted.flushes.get());
            d.writeZeroes(0, 4096, ZeroMode.PUNCH, false, true);
            assertEquals(1, counted.fuaZeroes.get());
        }
    }

    @Test
    void zeroesAndTrimReadAsZeroesAndHolesShowInTheMap() throws IOException {
        try (RemoteDevice d = device("disk")) {
            d.write(0, ByteBuffer.wrap(pattern(4 * MIB, 6)), false);
            d.writeZeroes(MIB, MIB, ZeroMode.PUNCH, false, false);
            d.writeZeroes(2L * MIB, MIB, ZeroMode.ALLOCATE, false, false);
            d.trim(3L * MIB, MIB, false);
            byte[] back = read(d, MIB, 2 * MIB);
            assertArrayEquals(new byte[2 * MIB], back);
            List<long[]> map = new ArrayList<>();
            d.mapAllocation(0, 8L * MIB, (length, hole) -> map.add(new long[] {length, hole ? 1 : 0}));
            assertEquals(8L * MIB, map.stream().mapToLong(e -> e[0]).sum(), "extents do not cover the range");
            assertEquals(
                    holes(disk, 0, 8L * MIB),
                    map.stream().map(e -> e[0] + ":" + e[1]).toList());
            assertEquals(0, map.getFirst()[1], "written data shows as a hole");
            assertEquals(1, map.getLast()[1], "never-written space shows as data");
        }
    }

    /** The far device's own map, merged the way the wire does, as "length:hole" strings. */
    private static List<String> holes(Volume v, long offset, long length) throws BlockIoException {
        List<long[]> out = new ArrayList<>();
        v.mapAllocation(offset, length, (n, hole) -> {
            long h = hole ? 1 : 0;
            if (!out.isEmpty() && out.getLast()[1] == h) {
                out.getLast()[0] += n;
            } else {
                out.add(new long[] {n, h});
            }
            return true;
        });
        return out.stream().map(e -> e[0] + ":" + e[1]).toList();
    }

    @Test
    void mapStopsWhenTheSinkHasEnough() throws IOException {
        try (RemoteDevice d = device("disk")) {
            d.write(MIB, ByteBuffer.wrap(pattern(4096, 7)), false);
            List<Long> seen = new ArrayList<>();
            d.mapAllocation(0, SIZE, (length, hole) -> {
                seen.add(length);
                return false;
            });
            assertEquals(1, seen.size());
        }
    }

    @Test
    void errorRepliesKeepTheirMeaning() throws Exception {
        try (RemoteDevice ro = device("ro")) {
            assertTrue(ro.readOnly());
            BlockIoException e =
                    assertThrows(BlockIoException.class, () -> ro.write(0, ByteBuffer.allocate(512), false));
            assertEquals(BlockError.PERMISSION, e.error(), e.getMessage());
        }
        try (NbdConnection c = NbdClient.open(export("disk"), loops)) {
            ExecutionException read = assertThrows(
                    ExecutionException.class,
                    () -> c.read(SIZE, ByteBuffer.allocate(4096), 0).get());
            ErrorReply reply = assertInstanceOf(ErrorReply.class, read.getCause());
            assertEquals(22, reply.errno()); // EINVAL: a read beyond the end
            assertEquals(BlockError.INVALID, RemoteErrors.error(reply.errno()));
            ExecutionException write = assertThrows(
                    ExecutionException.class,
                    () -> c.write(SIZE - 512, Unpooled.wrappedBuffer(new byte[4096]), 0)
                            .get());
            assertEquals(
                    28, assertInstanceOf(ErrorReply.class, write.getCause()).errno()); // ENOSPC
            c.flush().get(); // the connection carries on after error replies
        }
    }

    @Test
    void requestsLargerThanTheMaximumPayloadAreSplit() throws IOException {
        int length = NbdWire.MAX_PAYLOAD + 16 * MIB + 512;
        byte[] data = pattern(length, 8);
        try (RemoteDevice d = device("disk")) {
            d.write(4096, ByteBuffer.wrap(data), false);
            assertEquals(2, counted.writes.get());
            assertTrue(counted.largestWrite.get() <= NbdWire.MAX_PAYLOAD, "a piece exceeds the maximum payload");
            assertArrayEquals(data, read(d, 4096, length));
        }
    }

    @Test
    void concurrentRequestsPipelineOnOneConnection() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try (RemoteDevice d = device("disk")) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    byte[] data = pattern(4096 + n, n);
                    d.write(n * 65536L, ByteBuffer.wrap(data), n % 7 == 0);
                    assertArrayEquals(data, read(d, n * 65536L, data.length));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void startTlsWhenTheServerRequiresIt(@TempDir Path certDir) throws Exception {
        TestCertificates certs = TestCertificates.create(certDir.resolve("pki"));
        TlsCredentials credentials = TlsCredentials.load(certs.serverCert(), certs.serverKey(), null);
        try (NbdServer tlsServer = NbdServer.start(
                new NbdServerConfig("127.0.0.1", 0, 2, 1),
                new NbdSecurity(TlsMode.REQUIRE, credentials, ExportAccess.OPEN, Duration.ofSeconds(10)),
                devices)) {
            Endpoint at = new Endpoint.Tcp("127.0.0.1", tlsServer.port());
            HandshakeRefused plain =
                    assertThrows(HandshakeRefused.class, () -> NbdClient.open(new RemoteExport(at, "disk"), loops));
            assertTrue(plain.getMessage().contains("TLS"), plain.getMessage());
            SslContext tls = SslContextBuilder.forClient()
                    .trustManager(certs.ca().toFile())
                    .build();
            RemoteExport export = new RemoteExport(at, "disk", tls, Duration.ofSeconds(10));
            try (RemoteDevice d = RemoteDevice.open("disk", Dialer.of(export, loops), Reconnect.NEVER)) {
                byte[] data = pattern(200_000, 9);
                d.write(12345, ByteBuffer.wrap(data), true);
                assertArrayEquals(data, read(d, 12345, data.length));
            }
        }
    }

    @Test
    void aClosedServerFailsRequestsAndReconnectFollowsThePolicy() throws Exception {
        Path socket = dir.resolve("far.sock");
        NbdServerConfig config = new NbdServerConfig(List.of(new Endpoint.Unix(socket)));
        RemoteExport export = new RemoteExport(new Endpoint.Unix(socket), "disk");
        NbdServer far = NbdServer.start(config, devices);
        try (RemoteDevice never = RemoteDevice.open("never", Dialer.of(export, loops), Reconnect.NEVER);
                RemoteDevice again = RemoteDevice.open("again", Dialer.of(export, loops), Reconnect.ON_NEXT_REQUEST)) {
            again.write(0, ByteBuffer.wrap(pattern(4096, 10)), false);
            far.close();
            never.connection().closed().get();
            again.connection().closed().get();
            assertEquals(
                    BlockError.IO,
                    assertThrows(BlockIoException.class, never::flush).error());
            assertEquals(
                    BlockError.IO,
                    assertThrows(BlockIoException.class, again::flush).error());
            far = NbdServer.start(config, devices);
            assertEquals(
                    BlockError.IO,
                    assertThrows(BlockIoException.class, never::flush).error());
            again.flush();
            assertArrayEquals(pattern(4096, 10), read(again, 0, 4096));
        } finally {
            far.close();
        }
    }
}
