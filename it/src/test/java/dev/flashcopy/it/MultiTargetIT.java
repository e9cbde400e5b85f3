package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three targets of one source, made at three instants: each reads its own T0, also after a restart and withdrawals. */
class MultiTargetIT {
    @TempDir
    Path tmp;

    @Test
    void threeTargetsAtThreeInstantsEachReadTheirOwnT0() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "32M").ok();
            Qemu.io(server.uri("src"), "write -P 0x10 0 32M");
            List<String> t0 = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                t0.add(Exports.sha256(server.uri("src")));
                server.cli("mkflash", "--nocp", "src:t" + i).ok();
                // overlapping writes: the same grains change under every target
                Qemu.io(
                        server.uri("src"),
                        "write -P 0x" + (20 + i) + " " + (i * 3) + "M 8M",
                        "write -P 0x" + (30 + i) + " 12345 100000");
            }
            // a write to the middle target must not leak into the others
            Qemu.io(server.uri("t2"), "write -P 0x99 5M 2M");
            String t2After = Exports.sha256(server.uri("t2"));
            assertNotEquals(t0.get(1), t2After);
            assertEquals(t0.get(0), Exports.sha256(server.uri("t1")));
            assertEquals(t0.get(2), Exports.sha256(server.uri("t3")));

            JsonNode rels = new ObjectMapper()
                    .readTree(server.cli("lsflash", "--json").ok().out());
            assertEquals(3, rels.size(), rels.toString());
            for (JsonNode r : rels) {
                assertEquals("src", r.get("source").asText());
                assertEquals("nocopy", r.get("mode").asText());
                assertTrue(r.get("outOfSyncGrains").asLong() > 0, r.toString());
            }
            server.restart();
            assertEquals(t0.get(0), Exports.sha256(server.uri("t1")));
            assertEquals(t2After, Exports.sha256(server.uri("t2")));
            assertEquals(t0.get(2), Exports.sha256(server.uri("t3")));

            // withdrawing the newest and the middle one leaves the oldest whole
            Command.Result refused = server.cli("rmflash", "src:t3");
            assertNotEquals(0, refused.exit(), "an incomplete relationship needs --force");
            assertTrue(refused.err().contains("--force"), refused.err());
            server.cli("rmflash", "--force", "src:t3").ok();
            server.cli("rmflash", "--force", "src:t2").ok();
            Qemu.io(server.uri("src"), "write -P 0x55 0 32M");
            assertEquals(t0.get(0), Exports.sha256(server.uri("t1")));
        }
    }
}
