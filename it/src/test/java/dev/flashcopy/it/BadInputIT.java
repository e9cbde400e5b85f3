package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each bad input a client can send gets the spec's answer (an error reply, or this connection
 * closed), and afterwards another connection still works and the volume's bytes are unchanged.
 */
class BadInputIT {
    private static final int EPERM = 1;
    private static final int EINVAL = 22;
    private static final int ENOSPC = 28;
    private static final int ERR_UNSUP = 0x80000001;
    private static final int ERR_UNKNOWN = 0x80000006;
    private static final long SIZE = 4 << 20;

    @TempDir
    static Path tmp;

    static ServerProcess server;
    String before;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(tmp.resolve("data"));
        server.cli("mkvol", "bad", "--size", "4M").ok();
        Command.ok(Duration.ofSeconds(60), "qemu-io", "-f", "raw", "-c", "write -P 0x42 0 4M", server.uri("bad"));
        // A write-inhibited FlashCopy target is a read-only export.
        server.cli("mkflash", "--nocp", "--tgtinhibit", "bad:readonly").ok();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void hashBefore() {
        before = Exports.sha256(server.uri("bad"));
    }

    @AfterEach
    void otherConnectionsAndDataAreUnharmed() throws IOException {
        try (RawNbdClient c = connected()) {
            byte[] data = new byte[4096];
            long cookie = c.request(0, RawNbdClient.CMD_READ, SIZE - 4096, 4096, null);
            assertEquals(0, c.readSimpleReply(cookie, data));
            byte[] expected = new byte[4096];
            Arrays.fill(expected, (byte) 0x42);
            assertArrayEquals(expected, data);
        }
        assertEquals(before, Exports.sha256(server.uri("bad")), "volume bytes changed");
    }

    private static RawNbdClient connect() throws IOException {
        return new RawNbdClient(server.host(), server.port());
    }

    private static RawNbdClient connected() throws IOException {
        RawNbdClient c = connect();
        c.greet();
        assertEquals(SIZE, c.go("bad"));
        return c;
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws IOException {
        try (RawNbdClient c = connect()) {
            c.greet(0x80000003);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void garbageInsteadOfOptionMagicClosesTheConnection() throws IOException {
        try (RawNbdClient c = connect()) {
            c.greet();
            c.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void unknownOptionIsUnsupportedAndTheConnectionGoesOn() throws IOException {
        try (RawNbdClient c = connect()) {
            c.greet();
            c.sendOption(4242, new byte[] {1, 2, 3});
            RawNbdClient.OptionReply r = c.readOptionReply();
            assertEquals(4242, r.option());
            assertEquals(ERR_UNSUP, r.type());
            assertEquals(SIZE, c.go("bad"));
        }
    }

    @Test
    void goForAMissingExportIsUnknown() throws IOException {
        try (RawNbdClient c = connect()) {
            c.greet();
            IOException e = assertThrows(IOException.class, () -> c.go("no-such-volume"));
            assertTrue(e.getMessage().contains(Integer.toHexString(ERR_UNKNOWN)), e.getMessage());
            assertEquals(SIZE, c.go("bad"));
        }
    }

    @Test
    void exportNameForAMissingExportClosesTheConnection() throws IOException {
        try (RawNbdClient c = connect()) {
            c.greet();
            c.sendOption(1, "no-such-volume".getBytes(StandardCharsets.UTF_8));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void readPastTheEndIsInvalid() throws IOException {
        try (RawNbdClient c = connected()) {
            assertEquals(EINVAL, c.readSimpleReply(c.request(0, RawNbdClient.CMD_READ, SIZE - 512, 1024, null), null));
            assertEquals(EINVAL, c.readSimpleReply(c.request(0, RawNbdClient.CMD_READ, -4096, 4096, null), null));
        }
    }

    @Test
    void writePastTheEndIsNoSpaceAndWritesNothing() throws IOException {
        try (RawNbdClient c = connected()) {
            byte[] junk = new byte[1024];
            Arrays.fill(junk, (byte) 0x66);
            assertEquals(ENOSPC, c.readSimpleReply(c.request(0, RawNbdClient.CMD_WRITE, SIZE - 512, 1024, junk), null));
            // The connection stays in step: the next request is answered normally.
            assertEquals(0, c.readSimpleReply(c.request(0, RawNbdClient.CMD_FLUSH, 0, 0, null), null));
        }
    }

    @Test
    void trimAndZeroPastTheEndAreNoSpace() throws IOException {
        try (RawNbdClient c = connected()) {
            assertEquals(ENOSPC, c.readSimpleReply(c.request(0, 4, SIZE, 4096, null), null));
            assertEquals(ENOSPC, c.readSimpleReply(c.request(0, 6, SIZE - 4096, 8192, null), null));
        }
    }

    @Test
    void writesToAReadOnlyExportArePermissionErrors() throws IOException {
        try (RawNbdClient c = connect()) {
            c.greet();
            assertEquals(SIZE, c.go("readonly"));
            byte[] junk = new byte[4096];
            assertEquals(EPERM, c.readSimpleReply(c.request(0, RawNbdClient.CMD_WRITE, 0, 4096, junk), null));
            assertEquals(EPERM, c.readSimpleReply(c.request(0, 4, 0, 4096, null), null));
            assertEquals(EPERM, c.readSimpleReply(c.request(0, 6, 0, 4096, null), null));
            byte[] data = new byte[4096];
            assertEquals(0, c.readSimpleReply(c.request(0, RawNbdClient.CMD_READ, 0, 4096, null), data));
            assertEquals(0x42, data[0], "the read-only target still reads T0");
        }
    }

    @Test
    void unknownCommandIsInvalid() throws IOException {
        try (RawNbdClient c = connected()) {
            assertEquals(EINVAL, c.readSimpleReply(c.request(0, 99, 0, 0, null), null));
            assertEquals(0, c.readSimpleReply(c.request(0, RawNbdClient.CMD_FLUSH, 0, 0, null), null));
        }
    }

    @Test
    void badRequestMagicClosesTheConnection() throws IOException {
        try (RawNbdClient c = connected()) {
            c.sendRaw(ByteBuffer.allocate(28).putInt(0xdeadbeef).array()); // a request header, wrong magic
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void clientVanishingMidWriteHarmsNothing() throws IOException {
        try (RawNbdClient c = connected()) {
            c.request(0, RawNbdClient.CMD_WRITE, 0, 65536, null);
            c.sendRaw(new byte[1000]); // then hang up with most of the payload missing
        }
    }
}
