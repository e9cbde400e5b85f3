package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extent relationships and revertible relationships through the real server with real clients: nbdcopy
 * fills volumes, qemu-io writes, nbdsh reads each exported range, whose sha256 is compared with the bytes
 * the test expects there. Covers ranges between volumes of different sizes and within one volume, the
 * refusals with their reasons, restarts and kill -9; and a revertible pair reverted to its last commit,
 * also after a kill -9.
 */
class ExtentRevertIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int K = 1024;
    private static final int M = 1024 * 1024;

    @TempDir
    Path tmp;

    private static void fill(byte[] image, int offset, int length, int pattern) {
        Arrays.fill(image, offset, offset + length, (byte) pattern);
    }

    private static String expected(byte[] image, int offset, int length) {
        return Exports.sha256(Arrays.copyOfRange(image, offset, offset + length));
    }

    private static void assertRange(
            ServerProcess server, String volume, byte[] want, int offset, int length, String when) {
        assertEquals(
                expected(want, offset, length),
                Exports.sha256(server.uri(volume), offset, length),
                volume + " [" + offset + ", " + (offset + length) + ") " + when);
    }

    private static void refused(ServerProcess server, String why, String... args) {
        Command.Result r = server.cli(args);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(
                r.err().contains(why)
                        && r.err().lines().count() == 1
                        && !r.err().contains("Exception"),
                r.toString());
    }

    @Test
    void extentRangesBetweenAndWithinVolumesKeepTheirT0AcrossKill9() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "a", "--size", "8M").ok();
            server.cli("mkvol", "b", "--size", "3M").ok();
            server.cli("mkvol", "c", "--size", "4M").ok();
            byte[] a = new byte[8 * M];
            fill(a, 0, 4 * M, 0x11);
            fill(a, 4 * M, 4 * M, 0x12);
            Path image = tmp.resolve("a.img");
            Files.write(image, a);
            Command.ok(Duration.ofSeconds(120), "nbdcopy", image.toString(), server.uri("a"));
            byte[] b = new byte[3 * M];
            fill(b, M, M, 0x77);
            Qemu.io(server.uri("b"), "write -P 0x77 1M 1M");

            refused(server, "1000", "mkflash", "a:b", "--extent", "1000:0:64K");
            refused(server, "past the target's end", "mkflash", "a:b", "--extent", "0:2M:2M");
            refused(server, "overlap", "mkflash", "a:b", "--extent", "0:0:1M", "--extent", "512K:2M:128K");
            refused(server, "must not overlap", "mkflash", "c:c", "--extent", "0:512K:1M");

            server.cli("mkflash", "--nocp", "a:b", "--extent", "1M:0:1M", "--extent", "6M:2M:512K")
                    .ok();
            byte[] b0 = b.clone();
            System.arraycopy(a, M, b0, 0, M);
            System.arraycopy(a, 6 * M, b0, 2 * M, 512 * K);
            refused(server, "overlaps a target range of a:b", "mkflash", "c:b", "--extent", "0:512K:64K");
            JsonNode rel = JSON.readTree(
                            server.cli("lsflash", "--json", "a:b").ok().out())
                    .get(0);
            assertEquals(2, rel.get("extents").size(), rel.toString());
            assertEquals(6 * M, rel.get("extents").get(1).get("sourceOffset").asLong(), rel.toString());
            assertEquals(16 + 8, rel.get("totalGrains").asLong(), "64 KiB grains inside the ranges only");
            assertTrue(server.cli("lsflash", "-l", "a:b").ok().out().contains("1M:0:1M,6M:2M:512K"));

            Qemu.io(server.uri("a"), "write -P 0x21 1M 1M", "write -P 0x22 6M 256k", "write -P 0x23 0 64k");
            fill(a, M, M, 0x21);
            fill(a, 6 * M, 256 * K, 0x22);
            fill(a, 0, 64 * K, 0x23);
            Qemu.io(server.uri("b"), "write -P 0x31 4k 4k", "write -P 0x32 1280k 64k", "write -P 0x33 2600k 4k");
            fill(b0, 4 * K, 4 * K, 0x31);
            fill(b0, 1280 * K, 64 * K, 0x32);
            fill(b0, 2600 * K, 4 * K, 0x33);

            byte[] c = new byte[4 * M];
            Qemu.io(server.uri("c"), "write -P 0x41 0 1M");
            fill(c, 0, M, 0x41);
            server.cli("mkflash", "c:c", "--extent", "0:2M:1M", "--grain", "4K").ok();
            byte[] c0 = c.clone();
            System.arraycopy(c, 0, c0, 2 * M, M);
            Qemu.io(server.uri("c"), "write -P 0x42 0 64k", "write -P 0x43 2052k 4k");
            fill(c0, 0, 64 * K, 0x42);
            fill(c0, 2052 * K, 4 * K, 0x43);

            for (String when : new String[] {"live", "after a restart", "after kill -9"}) {
                if (when.equals("after a restart")) {
                    server.restart();
                } else if (when.equals("after kill -9")) {
                    server.kill9();
                    server.restart();
                }
                assertRange(server, "b", b0, 0, M, when);
                assertRange(server, "b", b0, M, M, when + " (outside the ranges: b's own)");
                assertRange(server, "b", b0, 2 * M, 512 * K, when);
                assertRange(server, "b", b0, 2 * M + 512 * K, 512 * K, when);
                assertRange(server, "a", a, 0, 8 * M, when + " (the source reads its own writes)");
                assertRange(server, "c", c0, 0, M, when);
                assertRange(server, "c", c0, 2 * M, M, when + " (the range within the same volume)");
                assertEquals(Exports.sha256(c0), Exports.sha256(server.uri("c")), when);
            }
            server.cli("rmflash", "--cp", "a:b").ok();
            assertEquals(
                    "no FlashCopy relationships for b",
                    server.cli("lsflash", "b").ok().out().trim());
            assertRange(server, "b", b0, 0, 3 * M, "after rmflash --cp: b is a standalone volume");
        }
    }

    @Test
    void revertflashRollsTheTargetBackToItsLastCommitAlsoAfterKill9() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "s", "--size", "4M").ok();
            Qemu.io(server.uri("s"), "write -P 0x11 0 4M");
            server.cli("mkflash", "--nocp", "s:plain").ok();
            refused(server, "--record", "setflashrevertible", "s:plain");
            server.cli("rmflash", "--force", "s:plain").ok();

            server.cli("mkflash", "--record", "--nocp", "s:t").ok();
            server.cli("setflashrevertible", "s:t").ok();
            JsonNode rel = JSON.readTree(
                            server.cli("lsflash", "--json", "s:t").ok().out())
                    .get(0);
            assertTrue(rel.get("revertible").asBoolean(), rel.toString());
            refused(server, "revertible", "resyncflash", "--record", "s:t");

            Qemu.io(server.uri("t"), "write -P 0x51 0 128k", "write -P 0x52 1028k 4k");
            String committed = Exports.sha256(server.uri("t"));
            server.cli("commitflash", "s:t").ok();
            refused(server, "setflashrevertible first", "revertflash", "s:t"); // DS CLI: a commit ends revertibility
            server.cli("resyncflash", "--record", "--persist", "s:t").ok(); // allowed again
            Qemu.io(server.uri("t"), "write -P 0x51 0 128k", "write -P 0x52 1028k 4k");
            assertEquals(committed, Exports.sha256(server.uri("t")), "the state to commit again");
            server.cli("setflashrevertible", "s:t").ok(); // this state is the committed one
            Qemu.io(server.uri("t"), "write -P 0x61 0 64k", "write -P 0x62 2M 1M", "write -P 0x63 1030k 1k");
            Qemu.io(server.uri("s"), "write -P 0x71 3M 64k");
            assertNotEquals(committed, Exports.sha256(server.uri("t")));
            server.cli("revertflash", "s:t").ok();
            assertEquals(committed, Exports.sha256(server.uri("t")), "revert: the target as at commitflash");
            rel = JSON.readTree(server.cli("lsflash", "--json", "s:t").ok().out())
                    .get(0);
            assertFalse(rel.get("revertible").asBoolean(), "DS CLI: a revert ends revertibility: " + rel);
            server.cli("setflashrevertible", "s:t").ok(); // the reverted state is the committed one again

            Qemu.io(server.uri("t"), "write -P 0x81 512k 64k", "write -P 0x82 3M 4k");
            assertNotEquals(committed, Exports.sha256(server.uri("t")));
            server.kill9();
            server.restart();
            rel = JSON.readTree(server.cli("lsflash", "--json", "s:t").ok().out())
                    .get(0);
            assertTrue(rel.get("revertible").asBoolean(), "still revertible after kill -9: " + rel);
            server.cli("revertflash", "s:t").ok();
            assertEquals(committed, Exports.sha256(server.uri("t")), "revert after kill -9");
            server.kill9();
            server.restart();
            assertEquals(committed, Exports.sha256(server.uri("t")), "the revert is durable");
            byte[] s = new byte[4 * 1024 * 1024];
            Arrays.fill(s, (byte) 0x11);
            Arrays.fill(s, 3 * M, 3 * M + 64 * K, (byte) 0x71);
            assertEquals(Exports.sha256(s), Exports.sha256(server.uri("s")), "the source has its own writes");
            server.cli("rmflash", "--cp", "s:t").ok();
            assertEquals(committed, Exports.sha256(server.uri("t")), "withdrawn after the copy: t stands alone");
            assertTrue(
                    Files.notExists(tmp.resolve("data").resolve("flash").resolve("revert-2.log")),
                    "the revert area goes with the relationship");
        }
    }
}
