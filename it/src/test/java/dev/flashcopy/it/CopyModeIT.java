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
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COPY mode: the background copy finishes, the relationship ends, the target is a standalone sparse image. */
class CopyModeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void copyModeTargetBecomesAStandaloneSparseImageOfT0() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "64M").ok();
            // data in three places, holes elsewhere
            Qemu.io(server.uri("src"), "write -P 0x61 0 4M", "write -P 0x62 20M 1M", "write -P 0x63 60M 4M");
            String t0 = Exports.sha256(server.uri("src"));
            server.cli("mkflash", "--rate", "32", "src:tgt").ok();
            // the source keeps changing while the copy runs, and the target must not see it
            Qemu.io(server.uri("src"), "write -P 0x71 0 64M");

            Command.Result wait = server.cli("wait", "src:tgt", "--timeout", "120");
            wait.ok();
            JsonNode rels = JSON.readTree(server.cli("lsflash", "--json").ok().out());
            assertEquals(0, rels.size(), "a non-persistent COPY relationship ends at 100 %: " + rels);

            JsonNode tgt = volume(server, "tgt");
            Path file = Path.of(tgt.get("path").asText());
            assertEquals(t0, Exports.sha256(file), "the image file on disk is the T0 copy");
            assertEquals(t0, Exports.sha256(server.uri("tgt")));
            long allocated = tgt.get("allocated").asLong();
            assertTrue(
                    allocated >= 9L << 20 && allocated <= 12L << 20,
                    "target holds about the 9 MiB of T0 data, not 64 MiB: " + allocated);
            String map = Command.ok(
                    Duration.ofSeconds(60), "qemu-img", "map", "-f", "raw", "--output=json", file.toString());
            assertTrue(map.contains("\"data\": false"), "holes in the source stay holes in the target:\n" + map);
        }
    }

    @Test
    void mkflashWaitReturnsOnlyWhenTheCopyIsCompleteAndShowsProgress() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "64M").ok();
            Qemu.io(server.uri("src"), "write -P 0x41 0 48M");
            String t0 = Exports.sha256(server.uri("src"));
            Command.Result made = server.cli("mkflash", "--wait", "--persist", "--rate", "16", "src:tgt")
                    .ok();
            assertTrue(made.out().contains("successfully created"), made.out());
            // not a terminal: plain progress lines, the last one at 100 %
            assertTrue(made.out().contains("src:tgt 100.00 %"), made.out());
            JsonNode rel = JSON.readTree(
                            server.cli("lsflash", "--json", "src:tgt").ok().out())
                    .get(0);
            assertEquals(0, rel.get("outOfSyncGrains").asLong(), "--wait returned before the copy finished: " + rel);
            Qemu.io(server.uri("src"), "write -P 0x42 0 64M");
            assertEquals(t0, Exports.sha256(server.uri("tgt")));

            Command.Result refused = server.cli("mkflash", "--wait", "--nocp", "src:tgt2");
            assertEquals(2, refused.exit(), refused.err());
            assertTrue(
                    refused.err().contains("--wait follows the background copy, which --nocp turns off"),
                    refused.err());
        }
    }

    private static JsonNode volume(ServerProcess server, String name) throws IOException {
        for (JsonNode v : JSON.readTree(server.cli("lsvol", "--json").ok().out())) {
            if (v.get("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }
}
