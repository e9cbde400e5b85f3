package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several extent relationships on one source through the real server (dataset-level FlashCopy): two
 * datasets of one volume copied to one target by two {@code mkflash} commands at two points in time, one
 * of them also to a second target, and a range within the source itself. qemu-io writes across the ranges
 * of several relationships at once; whole exports are hashed with nbdcopy and single ranges with nbdsh,
 * against the bytes the test expects, live, after a restart and after kill -9. Recording extent
 * relationships of one pair resync together to a new T0.
 */
class ExtentManyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int K = 1024;
    private static final int M = 1024 * 1024;

    @TempDir
    Path tmp;

    private static void fill(byte[] image, int offset, int length, int pattern) {
        Arrays.fill(image, offset, offset + length, (byte) pattern);
    }

    private static void assertVolume(ServerProcess server, String volume, byte[] want, String when) {
        assertEquals(Exports.sha256(want), Exports.sha256(server.uri(volume)), volume + " " + when);
    }

    private static void assertRange(
            ServerProcess server, String volume, byte[] want, int offset, int length, String when) {
        assertEquals(
                Exports.sha256(Arrays.copyOfRange(want, offset, offset + length)),
                Exports.sha256(server.uri(volume), offset, length),
                volume + " [" + offset + ", " + (offset + length) + ") " + when);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void twoDatasetsOfOneSourceByTwoCommandsKeepTheirPointsInTimeAcrossKill9() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "s", "--size", "8M").ok();
            server.cli("mkvol", "t", "--size", "4M").ok();
            byte[] s = new byte[8 * M];
            byte[] t = new byte[4 * M];
            Qemu.io(server.uri("s"), "write -P 0x11 0 8M");
            fill(s, 0, 8 * M, 0x11);

            // Dataset A (s [0, 1M)) to t [0, 1M) at T0 = now.
            server.cli("mkflash", "--nocp", "s:t", "--extent", "0:0:1M").ok();
            System.arraycopy(s, 0, t, 0, M);
            Qemu.io(server.uri("s"), "write -P 0x22 0 8M");
            fill(s, 0, 8 * M, 0x22);
            // Dataset B (s [4M, 5M)) to t [2M, 3M), a second command at a later T0; dataset A again to u.
            server.cli("mkflash", "--nocp", "s:t", "--extent", "4M:2M:1M").ok();
            System.arraycopy(s, 4 * M, t, 2 * M, M);
            server.cli("mkflash", "--nocp", "s:u", "--extent", "0:0:1M").ok();
            byte[] u = Arrays.copyOf(s, M);
            server.cli("mkflash", "--nocp", "s:s", "--extent", "6M:7M:512K").ok(); // a range within s itself
            System.arraycopy(s, 6 * M, s, 7 * M, 512 * K);

            Command.Result overlap = server.cli("mkflash", "s:t", "--extent", "2M:512K:64K");
            assertEquals(1, overlap.exit(), overlap.toString());
            assertTrue(
                    overlap.err().contains("(rule: a range of a volume is the target of one relationship at most)")
                            && overlap.err().lines().count() == 1,
                    overlap.toString());
            Command.Result mixing = server.cli("mkflash", "s:w");
            assertEquals(1, mixing.exit(), mixing.toString());
            assertTrue(
                    mixing.err().contains("whole-volume relationships or in extent relationships"), mixing.toString());

            JsonNode rels =
                    JSON.readTree(server.cli("lsflash", "--json", "s").ok().out());
            assertEquals(4, rels.size(), rels.toString());

            // One write over dataset A, the gap and dataset B of s; one over A's range end on t and t's own.
            Qemu.io(server.uri("s"), "write -P 0x33 512k 4M", "write -P 0x34 6400k 64k");
            fill(s, 512 * K, 4 * M, 0x33);
            fill(s, 6400 * K, 64 * K, 0x34);
            Qemu.io(server.uri("t"), "write -P 0x44 960k 128k", "write -P 0x45 3M 4k");
            fill(t, 960 * K, 128 * K, 0x44);
            fill(t, 3 * M, 4 * K, 0x45);
            Qemu.io(server.uri("u"), "write -P 0x55 0 4k");
            fill(u, 0, 4 * K, 0x55);

            for (String when : new String[] {"live", "after a restart", "after kill -9"}) {
                if (when.equals("after a restart")) {
                    server.restart();
                } else if (when.equals("after kill -9")) {
                    server.kill9();
                    server.restart();
                }
                assertRange(server, "t", t, 0, M, when + " (dataset A at the first T0)");
                assertRange(server, "t", t, 2 * M, M, when + " (dataset B at the second T0)");
                assertRange(server, "s", s, 7 * M, 512 * K, when + " (s's range within itself)");
                assertVolume(server, "t", t, when);
                assertVolume(server, "u", u, when);
                assertVolume(server, "s", s, when);
                assertEquals(
                        4,
                        JSON.readTree(server.cli("lsflash", "--json", "s").ok().out())
                                .size(),
                        when);
            }
            server.cli("rmflash", "--cp", "s:t").ok(); // both relationships of the pair, each copied first
            for (int i = 0; i < 600 && !server.cli("lsflash", "t").ok().out().startsWith("no FlashCopy"); i++) {
                sleep(100);
            }
            assertEquals(
                    "no FlashCopy relationships for t",
                    server.cli("lsflash", "t").ok().out().trim());
            Qemu.io(server.uri("s"), "write -P 0x66 0 8M");
            fill(s, 0, 8 * M, 0x66);
            assertVolume(server, "t", t, "after rmflash: t keeps what it had");
            assertVolume(server, "u", u, "after rmflash s:t, s:u keeps its T0");
        }
    }

    @Test
    void recordedExtentRelationshipsOfOnePairResyncTogetherAcrossKill9() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "s", "--size", "4M").ok();
            server.cli("mkvol", "t", "--size", "2M").ok();
            byte[] s = new byte[4 * M];
            byte[] t = new byte[2 * M];
            Qemu.io(server.uri("s"), "write -P 0x11 0 4M");
            fill(s, 0, 4 * M, 0x11);
            server.cli("mkflash", "--record", "--nocp", "s:t", "--extent", "0:0:1M")
                    .ok();
            server.cli("mkflash", "--record", "--nocp", "s:t", "--extent", "2M:1M:512K")
                    .ok();
            Qemu.io(server.uri("s"), "write -P 0x22 256k 64k", "write -P 0x23 2M 4k", "write -P 0x24 3M 64k");
            fill(s, 256 * K, 64 * K, 0x22);
            fill(s, 2 * M, 4 * K, 0x23);
            fill(s, 3 * M, 64 * K, 0x24);
            Qemu.io(server.uri("t"), "write -P 0x31 512k 4k", "write -P 0x32 1600k 4k");
            fill(t, 1600 * K, 4 * K, 0x32); // outside both target ranges: t's own, a resync leaves it

            JsonNode rels =
                    JSON.readTree(server.cli("lsflash", "--json", "s:t").ok().out());
            assertEquals(2, rels.size(), rels.toString());
            assertEquals(1, rels.get(0).get("changedSourceGrains").asLong(), rels.toString());
            assertEquals(1, rels.get(0).get("changedTargetGrains").asLong(), rels.toString());
            assertEquals(1, rels.get(1).get("changedSourceGrains").asLong(), rels.toString());

            server.cli("resyncflash", "--record", "--persist", "s:t").ok();
            System.arraycopy(s, 0, t, 0, M);
            System.arraycopy(s, 2 * M, t, M, 512 * K);
            Qemu.io(server.uri("s"), "write -P 0x41 0 4M");
            fill(s, 0, 4 * M, 0x41);
            for (String when : new String[] {"live", "after kill -9"}) {
                if (when.equals("after kill -9")) {
                    server.kill9();
                    server.restart();
                }
                assertRange(server, "t", t, 0, M, when + " (the first at the new T0)");
                assertRange(server, "t", t, M, 512 * K, when + " (the second at the new T0)");
                assertVolume(server, "t", t, when);
                assertVolume(server, "s", s, when);
            }
        }
    }
}
