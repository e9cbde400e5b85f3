package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The foundation as libnbd's and qemu's tools see it: listing, flags, allocation maps, I/O, copies. */
class NbdClientsIT {
    private static final Duration T = Duration.ofSeconds(120);
    private static final long MIB = 1 << 20;

    @TempDir
    static Path tmp;

    static ServerProcess server;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(tmp.resolve("data"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void mkvol(String name, String size) {
        server.cli("mkvol", name, "--size", size).ok();
    }

    private static String qemuIo(String export, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(server.uri(export));
        Command.Result r = Command.run(T, cmd.toArray(String[]::new)).ok();
        String all = r.out() + r.err();
        assertFalse(all.contains("failed") || all.contains("error") || all.contains("Error"), all);
        return r.out();
    }

    @Test
    void nbdinfoListShowsEveryExportWithItsSize() {
        mkvol("list-a", "64M");
        mkvol("list-b", "16M");
        String out = Command.ok(T, "nbdinfo", "--list", "nbd://127.0.0.1:" + server.port());
        assertTrue(out.contains("export=\"list-a\"") || out.contains("list-a"), out);
        assertTrue(out.contains("list-b"), out);
        assertTrue(out.contains(String.valueOf(64 * MIB)), out);
        assertTrue(out.contains(String.valueOf(16 * MIB)), out);
    }

    @Test
    void nbdinfoJsonReportsSizeFlagsAndBlockSizes() throws IOException {
        mkvol("info", "48M");
        JsonNode export = new ObjectMapper()
                .readTree(Command.ok(T, "nbdinfo", "--json", server.uri("info")))
                .get("exports")
                .get(0);
        assertEquals("info", export.get("export-name").asText());
        assertEquals(48 * MIB, export.get("export-size").asLong());
        assertFalse(export.get("is_read_only").asBoolean());
        for (String flag : List.of(
                "can_flush",
                "can_fua",
                "can_trim",
                "can_zero",
                "can_fast_zero",
                "can_cache",
                "can_df",
                "can_multi_conn")) {
            assertTrue(export.get(flag).asBoolean(), flag + " in " + export);
        }
        assertEquals(1, export.get("block_size_minimum").asInt());
        assertEquals(4096, export.get("block_size_preferred").asInt());
        assertEquals(64 * MIB, export.get("block_size_maximum").asLong());
        assertTrue(export.get("description").asText().contains("info"), export.toString());
        assertTrue(export.get("contexts").toString().contains("base:allocation"), export.toString());
    }

    @Test
    void nbdinfoMapShowsExactlyTheDataAndHoles() {
        mkvol("map", "32M");
        qemuIo("map", "write -P 0x11 0 1M", "write -P 0x22 8M 64k", "write -P 0x33 30M 2M");
        String map = Command.ok(T, "nbdinfo", "--map", server.uri("map"));
        List<long[]> extents = new ArrayList<>();
        for (String line : map.strip().split("\n")) {
            String[] f = line.trim().split("\\s+");
            extents.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        long[][] expected = {
            {0, MIB, 0},
            {MIB, 7 * MIB, 3},
            {8 * MIB, 64 << 10, 0},
            {8 * MIB + (64 << 10), 22 * MIB - (64 << 10), 3},
            {30 * MIB, 2 * MIB, 0}
        };
        assertEquals(expected.length, extents.size(), map);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(
                    List.of(expected[i][0], expected[i][1], expected[i][2]),
                    List.of(extents.get(i)[0], extents.get(i)[1], extents.get(i)[2]),
                    map);
        }
    }

    @Test
    void qemuIoUnalignedPatternsReadBack() {
        mkvol("qio", "16M");
        qemuIo("qio", "write -P 0xab 12345 70000", "write -P 0xcd 1000001 3");
        qemuIo(
                "qio",
                "read -P 0 0 12345",
                "read -P 0xab 12345 70000",
                "read -P 0 82345 917656",
                "read -P 0xcd 1000001 3",
                "read -P 0 1000004 100");
    }

    @Test
    void discardAndWriteZeroesReadBackZeroes() {
        mkvol("zero", "16M");
        qemuIo("zero", "write -P 0x5a 0 8M");
        qemuIo("zero", "discard 0 1M", "write -z 2M 512k", "write -z 3000 5000", "write -z -u 4M 1M");
        qemuIo(
                "zero",
                "read -P 0 0 1M",
                "read -P 0x5a 1M 1M",
                "read -P 0 2M 512k",
                "read -P 0x5a 2621440 1572864",
                "read -P 0 4M 1M",
                "read -P 0x5a 5M 3M");
        String map = Command.ok(T, "nbdinfo", "--map", server.uri("zero"));
        assertTrue(
                map.lines().anyMatch(l -> l.trim().startsWith("0 ") && l.contains("hole")),
                "discarded range is a hole again:\n" + map);
    }

    @Test
    void nbdcopyCopiesA256MiBImageInAndOutByteIdentical() throws IOException {
        Path in = tmp.resolve("in.img");
        Path out = tmp.resolve("out.img");
        try (RandomAccessFile f = new RandomAccessFile(in.toFile(), "rw")) {
            f.setLength(256 * MIB);
            Random random = new Random(42);
            byte[] chunk = new byte[(int) MIB];
            for (int i = 0; i < 256; i += 3) { // every third MiB holds data; the rest stays a hole
                random.nextBytes(chunk);
                f.seek(i * MIB);
                f.write(chunk);
            }
        }
        mkvol("copy", "256M");
        Command.ok(T, "nbdcopy", in.toString(), server.uri("copy"));
        Command.ok(T, "nbdcopy", server.uri("copy"), out.toString());
        String expected = Exports.sha256(in);
        assertEquals(expected, Exports.sha256(out));
        assertEquals(expected, Exports.sha256(server.uri("copy")));
    }
}
