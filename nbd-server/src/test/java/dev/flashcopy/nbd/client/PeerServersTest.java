package dev.flashcopy.nbd.client;

import static dev.flashcopy.nbd.client.NbdClientTest.pattern;
import static dev.flashcopy.nbd.client.NbdClientTest.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.protocol.TransmissionFlag;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against other servers, as real processes on unix sockets: nbdkit and qemu-nbd. */
class PeerServersTest {
    private static final int MIB = 1 << 20;

    private static ClientLoops loops;

    @TempDir
    Path dir;

    @BeforeAll
    static void startLoops() {
        loops = ClientLoops.create(1);
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    private static RemoteDevice device(PeerProcess peer, String export, Reconnect reconnect) throws IOException {
        return RemoteDevice.open("peer", Dialer.of(new RemoteExport(peer.endpoint(), export), loops), reconnect);
    }

    /** Writes, zeroes and trims, checking the bytes and the allocation map the server reports. */
    private static void roundTrips(RemoteDevice d) throws IOException {
        byte[] data = pattern(3 * MIB + 512, 11);
        d.write(512, ByteBuffer.wrap(data), false);
        assertArrayEquals(data, read(d, 512, data.length));
        d.write(8L * MIB, ByteBuffer.wrap(data, 0, 65536), true);
        d.flush();
        assertArrayEquals(Arrays.copyOf(data, 65536), read(d, 8L * MIB, 65536));
        d.writeZeroes(MIB, MIB, ZeroMode.PUNCH, false, false);
        d.trim(2L * MIB, MIB, true);
        d.cache(0, 4L * MIB);
        byte[] back = read(d, 0, 4 * MIB);
        assertArrayEquals(new byte[MIB], Arrays.copyOfRange(back, MIB, 2 * MIB));
        assertArrayEquals(Arrays.copyOfRange(data, 0, MIB - 512), Arrays.copyOfRange(back, 512, MIB));
        List<long[]> map = new ArrayList<>();
        d.mapAllocation(0, 16L * MIB, (length, hole) -> map.add(new long[] {length, hole ? 1 : 0}));
        assertEquals(16L * MIB, map.stream().mapToLong(e -> e[0]).sum(), "extents do not cover the range");
        assertEquals(0, map.getFirst()[1], "written data shows as a hole");
        assertEquals(1, map.getLast()[1], "never-written space shows as data");
    }

    @Test
    void nbdkitMemoryRoundTrips() throws Exception {
        try (PeerProcess nbdkit = PeerProcess.nbdkit(dir, "memory", "64M");
                RemoteDevice d = device(nbdkit, "", Reconnect.NEVER)) {
            assertEquals(64L * MIB, d.size());
            assertTrue(d.connection().details().blockStatus());
            roundTrips(d);
        }
    }

    @Test
    void qemuNbdRoundTripsAndSplitsWritesAboveItsMaximum() throws Exception {
        Path image = dir.resolve("q.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(128L * MIB);
        }
        try (PeerProcess qemu = PeerProcess.qemuNbd(dir, image, "q");
                RemoteDevice d = device(qemu, "q", Reconnect.NEVER)) {
            ExportDetails details = d.connection().details();
            assertEquals(32 * MIB, details.maximumPayload());
            roundTrips(d);
            byte[] big = pattern(40 * MIB + 4096, 12);
            d.write(20L * MIB, ByteBuffer.wrap(big), true);
            assertArrayEquals(big, read(d, 20L * MIB, big.length));
            byte[] onDisk = new byte[big.length];
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
                f.seek(20L * MIB);
                f.readFully(onDisk);
            }
            assertArrayEquals(big, onDisk, "the image holds other bytes");
        }
    }

    @Test
    void missingCapabilitiesAreEmulated() throws Exception {
        // nozero: no WRITE_ZEROES, so zeroes go as written bytes, and a fast-only zero cannot be had.
        try (PeerProcess nbdkit = PeerProcess.nbdkit(dir, "--filter=nozero", "memory", "16M");
                RemoteDevice d = device(nbdkit, "", Reconnect.NEVER)) {
            ExportDetails details = d.connection().details();
            assertFalse(details.has(TransmissionFlag.SEND_WRITE_ZEROES));
            d.write(0, ByteBuffer.wrap(pattern(2 * MIB, 13)), true);
            d.writeZeroes(4096, MIB + 5, ZeroMode.ALLOCATE, false, true);
            byte[] back = read(d, 0, 2 * MIB);
            assertArrayEquals(new byte[MIB + 5], Arrays.copyOfRange(back, 4096, 4096 + MIB + 5));
            assertArrayEquals(Arrays.copyOfRange(pattern(2 * MIB, 13), 0, 4096), Arrays.copyOfRange(back, 0, 4096));
            BlockIoException fast =
                    assertThrows(BlockIoException.class, () -> d.writeZeroes(0, 4096, ZeroMode.PUNCH, true, false));
            assertEquals(BlockError.NOT_SUPPORTED, fast.error());
        }
    }

    @Test
    void errorRepliesFromNbdkitKeepTheirMeaning() throws Exception {
        try (PeerProcess ro = PeerProcess.nbdkit(dir, "--readonly", "memory", "16M");
                RemoteDevice d = device(ro, "", Reconnect.NEVER)) {
            assertTrue(d.readOnly());
            BlockIoException e =
                    assertThrows(BlockIoException.class, () -> d.write(0, ByteBuffer.allocate(512), false));
            assertEquals(BlockError.PERMISSION, e.error(), e.getMessage());
        }
        Path sub = Files.createDirectory(dir.resolve("enospc"));
        try (PeerProcess full = PeerProcess.nbdkit(
                        sub, "--filter=error", "memory", "16M", "error=ENOSPC", "error-pwrite-rate=100%");
                RemoteDevice d = device(full, "", Reconnect.NEVER)) {
            BlockIoException e =
                    assertThrows(BlockIoException.class, () -> d.write(0, ByteBuffer.allocate(512), false));
            assertEquals(BlockError.NO_SPACE, e.error(), e.getMessage());
            d.read(0, ByteBuffer.allocate(512)); // reads still work: one error does not end the connection
        }
    }

    @Test
    void aKilledServerFailsPendingRequestsWithIoAndReconnectReachesTheNewOne() throws Exception {
        try (PeerProcess slow = PeerProcess.nbdkit(dir, "--filter=delay", "memory", "16M", "rdelay=20");
                RemoteDevice d = device(slow, "", Reconnect.ON_NEXT_REQUEST)) {
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                pending.add(d.connection().read(i * 4096L, ByteBuffer.allocate(4096), 0));
            }
            CompletableFuture<BlockError> viaDevice = CompletableFuture.supplyAsync(() -> {
                try {
                    d.read(0, ByteBuffer.allocate(4096));
                    return null;
                } catch (BlockIoException e) {
                    return e.error();
                }
            });
            Thread.sleep(300); // the requests are on the wire, waiting out nbdkit's delay
            long killed = System.nanoTime();
            slow.kill();
            assertEquals(BlockError.IO, viaDevice.get(10, TimeUnit.SECONDS));
            for (CompletableFuture<Void> p : pending) {
                Throwable cause = assertThrows(Exception.class, () -> p.get(10, TimeUnit.SECONDS))
                        .getCause();
                assertTrue(cause instanceof ConnectionLost, String.valueOf(cause));
            }
            assertTrue(System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(5), "pending requests failed late");
            Files.deleteIfExists(slow.socket());
            try (PeerProcess again = PeerProcess.nbdkit(dir, "memory", "16M")) {
                d.write(0, ByteBuffer.wrap(pattern(4096, 14)), false);
                assertArrayEquals(pattern(4096, 14), read(d, 0, 4096));
                d.close(); // before nbdkit stops, or it waits for the connection
            }
        }
    }
}
