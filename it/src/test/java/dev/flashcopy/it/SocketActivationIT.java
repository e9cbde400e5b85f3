package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd socket activation as a unit file would do it, by {@code systemd-socket-activate} (systemd's own tool,
 * which binds the socket, waits for the first client, then execs the service with {@code LISTEN_FDS}): the
 * server, started through {@code bin/flashcopy} (which must exec the JVM, or {@code LISTEN_PID} would name the
 * shell), serves on the inherited socket instead of its default address and leaves systemd's file alone.
 */
class SocketActivationIT {
    private static final Duration T = Duration.ofSeconds(180);

    @TempDir
    Path tmp;

    @Test
    void theFirstClientStartsTheServerOnTheInheritedSocketAndItsDataComesBack()
            throws IOException, InterruptedException {
        Path socket = tmp.resolve("activated.sock");
        Path data = tmp.resolve("data");
        Path log = tmp.resolve("server.log");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                        "systemd-socket-activate",
                        "--listen=" + socket,
                        "--fdname=nbd",
                        Repo.launcher().toString(),
                        "serve",
                        "--data",
                        data.toString(),
                        "--admin",
                        "127.0.0.1:0",
                        "--demo"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(Command.ENV);
        pb.environment().put("FLASHCOPY_NO_BUILD", "1");
        Process server = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(socket), "systemd-socket-activate made no socket: " + Files.readString(log));

            // The first connection is what starts the server: it waits in the socket's backlog meanwhile.
            String disk = "nbd:unix:" + socket + ":exportname=demo";
            Qemu.io(disk, "write -P 0x6b 0 4M", "write -P 0x2d 512M 1M");
            String back = Qemu.io(disk, "read -P 0x6b 0 4M", "read -P 0x2d 512M 1M", "read -P 0 4M 1M");
            assertFalse(back.contains("Pattern verification failed"), back);
            JsonNode info = new ObjectMapper()
                    .readTree(Command.ok(T, "nbdinfo", "--json", "nbd+unix:///demo?socket=" + socket));
            assertEquals(1L << 30, info.get("exports").get(0).get("export-size").asLong(), info.toString());

            String out = Files.readString(log);
            assertTrue(out.contains("NBD server listening on unix:" + socket), out);
            assertFalse(out.contains("127.0.0.1:10809"), "sockets from systemd replace the default address: " + out);
            JsonNode admin =
                    new ObjectMapper().readTree(data.resolve("admin.json").toFile());
            assertEquals(server.pid(), admin.get("pid").asLong(), "bin/flashcopy execs the JVM: LISTEN_PID names it");
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        assertTrue(Files.exists(socket), "the socket file belongs to systemd and stays");
    }
}
