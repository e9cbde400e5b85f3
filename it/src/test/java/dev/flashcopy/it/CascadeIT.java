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
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An 8-deep cascade (v0 -> v1 -> ... -> v8, plus a second target at level 5) built with the real
 * {@code flashcopy mkflash}, written with qemu-io at every level. The oracle is a local raw file per volume
 * that qemu-io writes exactly as it writes the export, and that is copied at each mkflash: every export
 * hashes (nbdcopy) to its file, after the writes, after kill -9 and after a forced withdraw in the middle.
 */
class CascadeIT {
    private static final String SIZE = "16M";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final Map<String, Path> oracle = new TreeMap<>();

    private void write(ServerProcess server, String volume, String... commands) {
        Qemu.io(server.uri(volume), commands);
        Qemu.io(oracle.get(volume).toString(), commands);
    }

    private void mkflash(ServerProcess server, String pair, String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("mkflash"));
        args.addAll(List.of(flags));
        args.add(pair);
        server.cli(args.toArray(String[]::new)).ok();
        String[] st = pair.split(":");
        oracle.put(st[1], Files.copy(oracle.get(st[0]), tmp.resolve(st[1] + ".img")));
    }

    private void assertEveryExportHashesToItsOracle(ServerProcess server, String when) {
        for (Map.Entry<String, Path> e : oracle.entrySet()) {
            assertEquals(Exports.sha256(e.getValue()), Exports.sha256(server.uri(e.getKey())), e.getKey() + " " + when);
        }
    }

    @Test
    void everyLevelOfAnEightDeepCascadeHashesToItsT0PlusItsOwnWritesAcrossKill9() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "v0", "--size", SIZE).ok();
            Path v0 = tmp.resolve("v0.img");
            try (RandomAccessFile f = new RandomAccessFile(v0.toFile(), "rw")) {
                f.setLength(16L << 20);
            }
            oracle.put("v0", v0);
            write(server, "v0", "write -P 0x11 0 16M");
            for (int i = 1; i <= 8; i++) {
                // Each level differs from the one above before it is copied, and COPY and NOCOPY alternate.
                write(server, "v" + (i - 1), "write -P 0x" + (20 + i) + " " + i + "M 1M");
                mkflash(
                        server,
                        "v" + (i - 1) + ":v" + i,
                        i % 2 == 0 ? new String[] {"--persist"} : new String[] {"--nocp"});
                if (i == 5) {
                    mkflash(server, "v4:x5", "--nocp"); // a second target on level 5
                }
            }
            JsonNode rels = JSON.readTree(server.cli("lsflash", "--json").ok().out());
            assertEquals(9, rels.size(), rels.toString());
            String table = server.cli("lsflash").ok().out();
            assertTrue(
                    table.contains("LEVEL") && table.lines().anyMatch(l -> l.startsWith("v7:v8") && l.endsWith(" 8")),
                    table);
            // One server on a file store: no owner to name (the column and the field are for shared stores).
            assertFalse(table.contains("OWNER") || rels.get(0).has("owner"), table + rels);
            String volumes = server.cli("lsvol").ok().out();
            assertTrue(volumes.lines().anyMatch(l -> l.contains("target of v3; source of v5,x5")), volumes);
            assertEveryExportHashesToItsOracle(server, "at T0");

            // Writes at every level, the source, the middles and the leaves, overlapping the same grains.
            for (String v : List.copyOf(oracle.keySet())) {
                int n = v.equals("x5") ? 9 : Integer.parseInt(v.substring(1));
                write(
                        server,
                        v,
                        "write -P 0x" + (40 + n) + " " + (n * 1234567 % (12 << 20)) + " 3M",
                        "write -P 0x" + (60 + n) + " 0 70000",
                        "write -z 10M 512k");
            }
            assertEveryExportHashesToItsOracle(server, "after writes to every level");

            server.kill9();
            server.restart();
            assertEveryExportHashesToItsOracle(server, "after kill -9 and restart");

            // A cycle is refused with its path named; a withdraw in the middle keeps every dependent whole.
            Command.Result cycle = server.cli("mkflash", "--nocp", "v8:v0");
            assertNotEquals(0, cycle.exit());
            assertTrue(
                    cycle.err().contains("cycle v0 -> v1 -> v2 -> v3 -> v4 -> v5 -> v6 -> v7 -> v8 -> v0"),
                    cycle.err());
            server.cli("rmflash", "--force", "v3:v4").ok();
            oracle.remove("v4"); // a forced withdraw leaves v4 as far as it was copied
            for (String v : List.of("v0", "v3", "v5", "v8")) {
                write(server, v, "write -P 0x7" + v.charAt(1) + " 2M 4M");
            }
            write(server, "x5", "write -P 0x7e 1M 1M");
            Qemu.io(server.uri("v4"), "write -P 0x7f 0 16M"); // v4 is standalone: its dependents are unaffected
            assertEveryExportHashesToItsOracle(server, "after withdrawing v3:v4 and more writes");
            server.kill9();
            server.restart();
            assertEveryExportHashesToItsOracle(server, "after a second kill -9");
        }
    }
}
