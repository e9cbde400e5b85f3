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
 * Incremental FlashCopy through the real server and qemu-io: a recording NOCOPY pair, writes on both
 * sides, a resync that re-marks exactly the changed grains and makes the target the source again, then a
 * fast reverse restore whose result the source reads at once and keeps across a restart and a kill -9.
 */
class ResyncReverseIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static JsonNode pair(ServerProcess server, String pair) throws IOException {
        JsonNode all = JSON.readTree(server.cli("lsflash", "--json", pair).ok().out());
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    @Test
    void resyncCopiesTheChangedUnionAndFastReverseRestoresTheSource() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "16M").ok();
            Qemu.io(server.uri("src"), "write -P 0x11 0 4M", "write -P 0x12 6M 2M", "write -P 0x13 12M 1M");
            server.cli("mkflash", "--record", "--nocp", "src:tgt").ok();
            String t0 = Exports.sha256(server.uri("src"));

            // 64 KiB grains: source grains 16, 17 and 80; target grains 48 and 144 (one partial write).
            Qemu.io(server.uri("src"), "write -P 0x21 1M 128k", "write -P 0x22 5M 4k");
            Qemu.io(server.uri("tgt"), "write -P 0x31 3M 64k", "write -P 0x32 9M 4k");
            assertNotEquals(t0, Exports.sha256(server.uri("tgt")), "the target was written");
            JsonNode before = pair(server, "src:tgt");
            assertTrue(
                    before.get("recording").asBoolean()
                            && before.get("persistent").asBoolean(),
                    before.toString());
            assertEquals(3, before.get("changedSourceGrains").asLong(), before.toString());
            assertEquals(2, before.get("changedTargetGrains").asLong(), before.toString());

            String targetBefore = Exports.sha256(server.uri("tgt"));
            var resynced = server.cli("resyncflash", "-record", "-persist", "--wait", "src:tgt")
                    .ok();
            assertTrue(resynced.out().contains("src:tgt: NOCOPY, no background copy to wait for"), resynced.out());
            String source = Exports.sha256(server.uri("src"));
            assertEquals(source, Exports.sha256(server.uri("tgt")), "the target is the source at the new T0");
            assertNotEquals(targetBefore, source);
            JsonNode after = pair(server, "src:tgt");
            assertEquals(
                    before.get("outOfSyncGrains").asLong() + 5,
                    after.get("outOfSyncGrains").asLong(),
                    "exactly the 5 changed grains are to copy again (NOCOPY: the rest never were copied)");
            assertEquals(
                    0,
                    after.get("changedSourceGrains").asLong()
                            + after.get("changedTargetGrains").asLong());
            assertNotEquals(
                    before.get("dateSynced").asText(), after.get("dateSynced").asText());

            Qemu.io(server.uri("src"), "write -P 0x41 0 64k", "write -P 0x42 7M 192k");
            Qemu.io(server.uri("tgt"), "write -P 0x51 15M 4k");
            String restored = Exports.sha256(server.uri("tgt"));
            assertNotEquals(restored, Exports.sha256(server.uri("src")));

            var refused = server.cli("reverseflash", "src:tgt");
            assertEquals(1, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("--fast"), refused.toString());
            server.cli("reverseflash", "-fast", "-record", "src:tgt").ok();
            assertEquals(restored, Exports.sha256(server.uri("src")), "the source reads the target's point in time");
            assertEquals(restored, Exports.sha256(server.uri("tgt")));
            JsonNode reversed = pair(server, "tgt:src");
            assertEquals("tgt", reversed.get("source").asText());

            server.restart();
            assertEquals(restored, Exports.sha256(server.uri("src")), "after a restart");
            assertEquals(restored, Exports.sha256(server.uri("tgt")));
            server.kill9();
            server.restart();
            assertEquals(restored, Exports.sha256(server.uri("src")), "after kill -9");
            assertEquals(restored, Exports.sha256(server.uri("tgt")));
        }
    }

    @Test
    void reverseOfASourceWithOtherTargetsKeepsTheirPointsInTime() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "16M").ok();
            Qemu.io(server.uri("src"), "write -P 0x11 0 16M");
            server.cli("mkflash", "--nocp", "src:monday").ok();
            Qemu.io(server.uri("src"), "write -P 0x12 2M 1M");
            server.cli("mkflash", "--record", "--nocp", "src:tuesday").ok();
            Qemu.io(server.uri("src"), "write -P 0x13 4M 3M");
            server.cli("mkflash", "--nocp", "src:wednesday").ok();
            Qemu.io(server.uri("src"), "write -P 0x14 5M 64k", "write -P 0x15 11M 8k");
            Qemu.io(server.uri("tuesday"), "write -P 0x16 9M 4k");
            String monday = Exports.sha256(server.uri("monday"));
            String tuesday = Exports.sha256(server.uri("tuesday"));
            String wednesday = Exports.sha256(server.uri("wednesday"));

            server.cli("reverseflash", "--fast", "--record", "src:tuesday").ok();

            assertEquals(tuesday, Exports.sha256(server.uri("src")), "the source reads tuesday's point in time");
            assertEquals(monday, Exports.sha256(server.uri("monday")), "an older target keeps its point in time");
            assertEquals(wednesday, Exports.sha256(server.uri("wednesday")), "a newer one too");
            JsonNode all = JSON.readTree(server.cli("lsflash", "--json").ok().out());
            assertEquals(3, all.size(), all.toString());
            assertEquals("src", pair(server, "tuesday:src").get("target").asText());
            assertEquals("src", pair(server, "src:monday").get("source").asText());
            // The restored source is written (where it still holds tuesday's uncopied grains too), and
            // everything survives kill -9.
            Qemu.io(server.uri("src"), "write -P 0x17 0 8M");
            String src = Exports.sha256(server.uri("src"));
            server.kill9();
            server.restart();
            assertEquals(src, Exports.sha256(server.uri("src")));
            assertEquals(tuesday, Exports.sha256(server.uri("tuesday")), "tuesday's grains went home first");
            assertEquals(monday, Exports.sha256(server.uri("monday")));
            assertEquals(wednesday, Exports.sha256(server.uri("wednesday")));
        }
    }
}
