package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Space-efficient (NOCOPY) targets stay space-efficient through the real server (issue 17, section 3): the two
 * scenarios of the issue, measured with {@code lsvol --json} allocated bytes, with sha256 of whole exports as
 * the oracle for every point in time.
 */
class SpaceEfficientIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long GRAIN = 64 * 1024;

    @TempDir
    Path tmp;

    private static long allocated(ServerProcess server, String name) throws IOException {
        for (JsonNode v : JSON.readTree(server.cli("lsvol", "--json").ok().out())) {
            if (v.get("name").asText().equals(name)) {
                return v.get("allocated").asLong();
            }
        }
        throw new AssertionError("no volume " + name);
    }

    private static JsonNode relationships(ServerProcess server) throws IOException {
        return JSON.readTree(server.cli("lsflash", "--json").ok().out());
    }

    @Test
    void reverseOfANocopyRecordPairMovesOnlyTheChangedGrain() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "256M").ok();
            Qemu.io(server.uri("src"), "write -P 0x11 0 256M");
            server.cli("mkflash", "--nocp", "--record", "--persist", "src:tgt").ok();
            String t0 = Exports.sha256(server.uri("src"));
            Qemu.io(server.uri("src"), "write -P 0x22 0 64k");
            assertEquals(GRAIN, allocated(server, "tgt"), "the one changed grain");

            var reversed = server.cli("reverseflash", "--fast", "src:tgt").ok();

            assertTrue(reversed.out().contains("it now runs tgt:src (nocopy"), reversed.out());
            assertEquals(t0, Exports.sha256(server.uri("src")), "the source reads the target's point in time");
            assertEquals(t0, Exports.sha256(server.uri("tgt")));
            JsonNode rels = relationships(server);
            assertEquals(1, rels.size(), rels.toString());
            assertEquals("nocopy", rels.get(0).get("mode").asText(), rels.toString());
            // The mode above is what keeps the copier away (it copies COPY pairs only); after a restart, which
            // resumes any copy there is, tgt still holds just its one grain.
            server.restart();
            assertEquals(GRAIN, allocated(server, "tgt"), "the old target stays as sparse as it was");
            assertEquals(256L << 20, allocated(server, "src"));
            assertEquals(t0, Exports.sha256(server.uri("src")));
            // Writes to the restored source keep tgt's point in time, grain by grain.
            Qemu.io(server.uri("src"), "write -P 0x33 1M 4k");
            assertEquals(2 * GRAIN, allocated(server, "tgt"));
            assertEquals(t0, Exports.sha256(server.uri("tgt")));
            server.kill9();
            server.restart();
            assertEquals(t0, Exports.sha256(server.uri("tgt")), "after kill -9");
            assertEquals(2 * GRAIN, allocated(server, "tgt"));
        }
    }

    @Test
    void olderNocopyTargetStaysSparseWhenANewerCopyTargetCompletesAndEnds() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "50M").ok();
            Qemu.io(server.uri("src"), "write -P 0x44 0 50M");
            server.cli("mkflash", "--nocp", "src:snap").ok();
            String t0 = Exports.sha256(server.uri("src"));

            // An idle source: the full copy made after the snapshot ends at 100 %, the snapshot gets nothing.
            server.cli("mkflash", "--wait", "src:full").ok();
            server.cli("wait", "src:full", "--timeout", "120").ok();
            assertEquals(1, relationships(server).size(), "the COPY relationship ended");
            assertEquals(t0, Exports.sha256(server.uri("full")));
            assertEquals(50L << 20, allocated(server, "full"));
            assertEquals(0, allocated(server, "snap"), "the snapshot of an idle source holds nothing");
            assertEquals(t0, Exports.sha256(server.uri("snap")));

            // A source changing while a newer full copy runs: the snapshot gets exactly the changed grain.
            server.cli("mkflash", "--rate", "16", "src:full2").ok();
            Qemu.io(server.uri("src"), "write -P 0x55 20M 4k");
            assertNotEquals(t0, Exports.sha256(server.uri("src")));
            server.cli("wait", "src:full2", "--timeout", "120").ok();
            assertEquals(1, relationships(server).size(), "the second COPY relationship ended");
            assertEquals(GRAIN, allocated(server, "snap"));
            assertEquals(t0, Exports.sha256(server.uri("snap")), "the snapshot still reads its T0");
            assertEquals(t0, Exports.sha256(server.uri("full2")), "full2's T0 was the same bytes");

            server.kill9();
            server.restart();
            assertEquals(t0, Exports.sha256(server.uri("snap")), "after kill -9");
            // The snapshot reads unchanged grains from the source again: a write there still copies first.
            Qemu.io(server.uri("src"), "write -P 0x66 40M 64k");
            assertEquals(2 * GRAIN, allocated(server, "snap"));
            assertEquals(t0, Exports.sha256(server.uri("snap")));
        }
    }
}
