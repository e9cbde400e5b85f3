package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volumes, their metadata and their bytes outlive the server, politely stopped or killed. */
class RestartIT {
    private static final Duration T = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    @Test
    void volumesAndBytesSurviveStopAndKill9() throws IOException {
        Path image = tmp.resolve("outside.img");
        Command.ok(T, "qemu-img", "create", "-f", "raw", image.toString(), "8M");
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--image-dir", tmp.toString())) {
            server.cli("mkvol", "owned", "--size", "16M").ok();
            server.cli("mkvol", "registered", "--file", image.toString()).ok();
            Command.ok(T, "qemu-io", "-f", "raw", "-c", "write -P 0x17 4096 1M", server.uri("owned"));
            Command.ok(T, "qemu-io", "-f", "raw", "-c", "write -P 0x29 0 8M", server.uri("registered"));
            String owned = Exports.sha256(server.uri("owned"));
            String registered = Exports.sha256(server.uri("registered"));

            server.restart();
            assertVolumes(server, owned, registered);

            // qemu-io flushes before it exits, so the writes are durable; kill -9 must not lose them.
            Command.ok(T, "qemu-io", "-f", "raw", "-c", "write -P 0x31 8M 64k", server.uri("owned"));
            owned = Exports.sha256(server.uri("owned"));
            server.kill9();
            server.restart();
            assertVolumes(server, owned, registered);
            assertEquals(registered, Exports.sha256(image), "registered image is used in place");
        }
    }

    private static void assertVolumes(ServerProcess server, String owned, String registered) throws IOException {
        JsonNode volumes =
                new ObjectMapper().readTree(server.cli("lsvol", "--json").ok().out());
        assertEquals(2, volumes.size(), volumes.toString());
        assertTrue(volumes.toString().contains("\"owned\""), volumes.toString());
        assertEquals(owned, Exports.sha256(server.uri("owned")));
        assertEquals(registered, Exports.sha256(server.uri("registered")));
    }
}
