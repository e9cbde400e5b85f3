package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests up to the advertised maximum payload of 64 MiB through the real server: libnbd (nbdsh) writes
 * 47.5 MiB at once, as the NBD project's {@code integrityhuge} trace does, and 64 MiB, and reads both back;
 * nbdinfo shows the maximum; a write over it is refused once its payload is read, on a connection that goes
 * on serving. libnbd itself will not send a request over 64 MiB (ERANGE on the client side), so the
 * oversized write comes from a raw socket.
 */
class LargeRequestIT {
    private static final int MIB = 1 << 20;
    private static final int EINVAL = 22;

    @TempDir
    Path tmp;

    @Test
    void libnbdWritesOfUpTo64MiBRoundTripAndNbdinfoShowsTheMaximum() {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "big", "--size", "160M").ok();
            String info = Command.ok(Duration.ofSeconds(60), "nbdinfo", server.uri("big"));
            assertTrue(info.contains("block_size_maximum: " + 64 * MIB), info);

            String py = String.join(
                    "\n",
                    "import random",
                    "rng = random.Random(475)",
                    "a = rng.randbytes(47 * 1024 * 1024 + 512 * 1024)",
                    "h.pwrite(a, 0)",
                    "b = rng.randbytes(64 * 1024 * 1024)",
                    "h.pwrite(b, 96 * 1024 * 1024)",
                    "h.flush()",
                    "assert h.pread(len(a), 0) == a, '47.5 MiB write read back differs'",
                    "assert h.pread(len(b), 96 * 1024 * 1024) == b, '64 MiB write read back differs'",
                    "print('ok')");
            String out = Command.ok(Duration.ofSeconds(180), "nbdsh", "-u", server.uri("big"), "-c", py);
            assertEquals("ok", out.trim());
        }
    }

    @Test
    void aWriteOverTheMaximumIsRefusedAfterItsPayloadAndTheConnectionGoesOn() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "big", "--size", "160M").ok();
            try (RawNbdClient c = new RawNbdClient(server.host(), server.port())) {
                c.greet();
                c.go("big");
                byte[] junk = new byte[MIB];
                Arrays.fill(junk, (byte) 0x5a);
                int length = 64 * MIB + 4096;
                long cookie = c.request(0, RawNbdClient.CMD_WRITE, 0, length, null);
                for (int sent = 0; sent < length; sent += junk.length) {
                    c.sendRaw(junk, 0, Math.min(junk.length, length - sent));
                }
                assertEquals(EINVAL, c.readSimpleReply(cookie, null));

                byte[] data = new byte[4096];
                Arrays.fill(data, (byte) 0x17);
                assertEquals(0, c.readSimpleReply(c.request(0, RawNbdClient.CMD_WRITE, 8192, 4096, data), null));
                byte[] back = new byte[4096];
                assertEquals(0, c.readSimpleReply(c.request(0, RawNbdClient.CMD_READ, 8192, 4096, null), back));
                assertArrayEquals(data, back);
                byte[] first = new byte[4096];
                assertEquals(0, c.readSimpleReply(c.request(0, RawNbdClient.CMD_READ, 0, 4096, null), first));
                assertArrayEquals(new byte[4096], first, "the refused payload was not written");
            }
        }
    }
}
