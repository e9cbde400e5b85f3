package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The `flashcopy` command as an admin types it: listings, refusals with reasons, one server per directory. */
class CommandLineIT {
    @TempDir
    Path tmp;

    @Test
    void volumeVerbsListAndRefuseWithReasons() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(server.dataDir().resolve("admin.json"))));

            server.cli("mkvol", "vol1", "--size", "1G").ok();
            JsonNode list = new ObjectMapper()
                    .readTree(server.cli("lsvol", "--json").ok().out());
            JsonNode vol = list.get(0);
            assertEquals("vol1", vol.get("name").asText());
            assertEquals(1L << 30, vol.get("size").asLong());
            assertEquals(0, vol.get("allocated").asLong(), "a new volume is sparse");
            assertTrue(Files.exists(Path.of(vol.get("path").asText())));
            String table = server.cli("lsvol").ok().out();
            assertTrue(table.contains("vol1") && table.toLowerCase().contains("name"), table);

            Command.Result badName = server.cli("mkvol", "bad/name", "--size", "1M");
            assertNotEquals(0, badName.exit());
            assertTrue(badName.err().contains("A-Z a-z 0-9"), badName.err());
            assertFalse(badName.err().contains("Exception"), badName.err());

            Command.Result badSize = server.cli("mkvol", "v2", "--size", "ten");
            assertNotEquals(0, badSize.exit());
            assertTrue(badSize.err().contains("ten"), badSize.err());

            Command.Result dup = server.cli("mkvol", "vol1", "--size", "1M");
            assertNotEquals(0, dup.exit());
            assertTrue(dup.err().contains("already exists"), dup.err());

            Command.Result missing = server.cli("rmvol", "nope");
            assertNotEquals(0, missing.exit());
            assertTrue(missing.err().contains("nope"), missing.err());

            server.cli("rmvol", "vol1").ok();
            assertEquals(
                    0,
                    new ObjectMapper()
                            .readTree(server.cli("lsvol", "--json").ok().out())
                            .size());
            assertFalse(Files.exists(Path.of(vol.get("path").asText())), "owned image deleted by rmvol");
        }
    }

    @Test
    void secondServerOnTheSameDataDirectoryIsRefused() {
        Path data = tmp.resolve("data");
        try (ServerProcess server = ServerProcess.start(data)) {
            Command.Result second = Command.run(
                    Duration.ofSeconds(60),
                    Repo.launcher().toString(),
                    "serve",
                    "--data",
                    data.toString(),
                    "--listen",
                    "127.0.0.1:0",
                    "--admin",
                    "127.0.0.1:0");
            assertNotEquals(0, second.exit());
            assertTrue(second.err().contains("in use by another flashcopy server"), second.err());
            assertTrue(server.isAlive());
        }
    }

    @Test
    void commandsWithoutARunningServerSayHowToStartOne() {
        Command.Result r = Command.run(
                Duration.ofSeconds(60),
                Repo.launcher().toString(),
                "lsvol",
                "--data",
                tmp.resolve("nowhere").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("serve"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
