package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changed blocks over NBD with the clients backup tools use: {@code nbdinfo --map} and {@code qemu-img map}
 * read the {@code qemu:dirty-bitmap:*} contexts and see exactly the grains written since T0 (also after a
 * kill -9), and the incremental backup walk-through of docs/HOSTS.md, run as written, leaves a backup byte-identical
 * to the new point in time.
 */
class DirtyMapIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SIZE = 16 << 20;
    private static final int G = 64 * 1024; // the default grain
    private static final Duration T = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    /** Grains {@code [offset, offset + length)} touches. */
    private static Set<Long> grains(long offset, long length) {
        Set<Long> set = new TreeSet<>();
        for (long g = offset / G; g <= (offset + length - 1) / G; g++) {
            set.add(g);
        }
        return set;
    }

    @SafeVarargs
    private static Set<Long> union(Set<Long>... parts) {
        Set<Long> all = new TreeSet<>();
        for (Set<Long> p : parts) {
            all.addAll(p);
        }
        return all;
    }

    /**
     * Grains of the extents whose type passes {@code dirty}, checking on the way that the extents tile the
     * whole export and fall on grain boundaries.
     */
    private static Set<Long> grainsOf(JsonNode extents, String startKey, Predicate<JsonNode> dirty) {
        Set<Long> set = new TreeSet<>();
        long pos = 0;
        for (JsonNode e : extents) {
            long offset = e.get(startKey).asLong();
            long length = e.get("length").asLong();
            assertEquals(pos, offset, "extents are consecutive: " + extents);
            assertEquals(0, offset % G, "extent on a grain boundary: " + e);
            assertEquals(0, length % G, "extent of whole grains: " + e);
            if (dirty.test(e)) {
                set.addAll(grains(offset, length));
            }
            pos = offset + length;
        }
        assertEquals(SIZE, pos, "extents cover the export");
        return set;
    }

    private static JsonNode nbdinfoMap(String context, String uri) throws IOException {
        return JSON.readTree(Command.run(T, "nbdinfo", "--map=" + context, "--json", uri)
                .ok()
                .out());
    }

    private static JsonNode qemuImgMap(ServerProcess server, String export, String context) throws IOException {
        String opts = "driver=nbd,server.type=inet,server.host=" + server.host() + ",server.port=" + server.port()
                + ",export=" + export + ",x-dirty-bitmap=" + context;
        return JSON.readTree(Command.run(T, "qemu-img", "map", "--output=json", "--image-opts", opts)
                .ok()
                .out());
    }

    /** What the recorded pair src:tgt has seen since T0: source grains, then target grains. */
    private record Written(Set<Long> source, Set<Long> target) {}

    private static Written recordedPairWithWrites(ServerProcess server) {
        server.cli("mkvol", "src", "--size", "16M").ok();
        Qemu.io(server.uri("src"), "write -P 0x11 0 4M", "write -P 0x12 10M 1M");
        server.cli("mkflash", "--record", "--nocp", "src:tgt").ok();
        Qemu.io(
                server.uri("src"),
                "write -P 0x21 1M 128k",
                "write -P 0x22 5243000 10",
                "write -P 0x23 8388000 1000",
                "write -z 10M 64k",
                "discard 11M 64k",
                "write -P 0x24 16777215 1");
        Qemu.io(server.uri("tgt"), "write -P 0x31 3M 64k", "write -P 0x32 12345678 3");
        Set<Long> source = union(
                grains(1 << 20, 128 << 10),
                grains(5243000, 10),
                grains(8388000, 1000),
                grains(10 << 20, G),
                grains(11 << 20, G),
                grains(SIZE - 1, 1));
        Set<Long> target = union(grains(3 << 20, G), grains(12345678, 3));
        return new Written(source, target);
    }

    @Test
    void nbdinfoMapListsExactlyTheGrainsWrittenSinceT0() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            Written w = recordedPairWithWrites(server);
            assertEquals(Set.of(16L, 17L, 80L, 127L, 128L, 160L, 176L, 255L), w.source(), "the test's own arithmetic");
            String list =
                    Command.run(T, "nbdinfo", "--list", server.uri("src")).ok().out();
            Set<String> lines = new TreeSet<>(list.lines().map(String::strip).toList());
            assertTrue(
                    lines.containsAll(Set.of(
                            "qemu:dirty-bitmap:changed-since:tgt",
                            "qemu:dirty-bitmap:to-copy",
                            "qemu:dirty-bitmap:changed")),
                    list);

            Predicate<JsonNode> dirty = e -> e.get("type").asInt() == 1;
            assertEquals(
                    w.source(),
                    grainsOf(nbdinfoMap("qemu:dirty-bitmap:changed-since:tgt", server.uri("src")), "offset", dirty));
            assertEquals(
                    w.target(), grainsOf(nbdinfoMap("qemu:dirty-bitmap:changed", server.uri("tgt")), "offset", dirty));
            // NOCOPY: a grain is copied exactly when a write on either side forced it.
            Set<Long> notCopied = new TreeSet<>();
            for (long g = 0; g < SIZE / G; g++) {
                notCopied.add(g);
            }
            notCopied.removeAll(union(w.source(), w.target()));
            assertEquals(
                    notCopied, grainsOf(nbdinfoMap("qemu:dirty-bitmap:to-copy", server.uri("tgt")), "offset", dirty));

            // The maps are the recording bitmaps, durable before the writes they mark: a kill -9 keeps them.
            server.kill9();
            server.restart();
            assertEquals(
                    w.source(),
                    grainsOf(nbdinfoMap("qemu:dirty-bitmap:changed-since:tgt", server.uri("src")), "offset", dirty),
                    "after kill -9 and restart");

            // base:allocation still answers, on the same export.
            JsonNode allocation = nbdinfoMap("base:allocation", server.uri("src"));
            assertEquals(0, allocation.get(0).get("type").asInt(), "data at offset 0: " + allocation);
            assertTrue(allocation.toString().contains("\"type\":3"), "holes reported: " + allocation);
        }
    }

    @Test
    void qemuImgMapWithDirtyBitmapAgrees() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            Written w = recordedPairWithWrites(server);
            // qemu maps the context's status onto base:allocation's bits, so dirty shows as "data": false.
            Predicate<JsonNode> dirty = e -> !e.get("data").asBoolean();
            assertEquals(
                    w.source(),
                    grainsOf(qemuImgMap(server, "src", "qemu:dirty-bitmap:changed-since:tgt"), "start", dirty));
            assertEquals(w.target(), grainsOf(qemuImgMap(server, "tgt", "qemu:dirty-bitmap:changed"), "start", dirty));
        }
    }

    @Test
    void hostsGuideIncrementalBackupRestoresAByteIdenticalImage() throws IOException {
        String guide = Files.readString(Repo.root().resolve("docs/HOSTS.md"));
        int section = guide.indexOf("### Incremental backup walk-through");
        assertTrue(section >= 0, "docs/HOSTS.md has the walk-through");
        int start = guide.indexOf("```sh\n", section) + 6;
        String block = guide.substring(start, guide.indexOf("```\n", start));
        String base = "NBD=nbd://127.0.0.1:10809\n";
        assertTrue(block.startsWith(base), block);
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            String uri = server.uri("");
            String script = "set -euo pipefail\nexport PATH=" + Repo.root().resolve("bin") + ":$PATH FLASHCOPY_DATA="
                    + server.dataDir() + "\nNBD=" + uri.substring(0, uri.length() - 1) + "\n"
                    + block.substring(base.length());
            Path work = Files.createDirectories(tmp.resolve("work"));
            Command.Result r = Command.run(Duration.ofSeconds(300), work, "bash", "-c", script)
                    .ok();

            String[] sums =
                    r.out().lines().filter(l -> l.matches("[0-9a-f]{64}  -")).toArray(String[]::new);
            assertEquals(2, sums.length, r.out());
            assertEquals(sums[0], sums[1], "the walk-through's own check");
            String snap2 = Exports.sha256(server.uri("vm-snap2"));
            assertEquals(snap2, Exports.sha256(work.resolve("backup.img")), "backup == vm-snap2, byte for byte");
            assertNotEquals(snap2, Exports.sha256(server.uri("vm")), "the source moved on after the new T0");

            // Only the changed grains were read: those written after snap1's T0 (the last one after snap2's).
            Set<Long> expected = union(
                    grains(1 << 20, 300 << 10), grains(9437000, 5000), grains(12 << 20, G), grains(2 << 20, 4096));
            assertEquals(
                    expected,
                    grainsOf(
                            JSON.readTree(work.resolve("changed.json").toFile()),
                            "offset",
                            e -> e.get("type").asInt() == 1));
            JsonNode left =
                    JSON.readTree(server.cli("lsflash", "--json", "vm").ok().out());
            assertEquals(1, left.size(), "the older pair is withdrawn: " + left);
            assertEquals("vm-snap2", left.get(0).get("target").asText(), left.toString());
        }
    }
}
