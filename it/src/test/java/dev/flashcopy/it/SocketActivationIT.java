package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /**
     * A launcher of our own (python3, as any supervisor could) binds a TCP port the kernel picks and execs
     * {@code bin/flashcopy} with it as fd 3; {@code --listen unix:} adds a socket file of the server's own.
     */
    private static final String LAUNCHER = String.join(
            "\n",
            "import os, socket, sys",
            "s = socket.socket()",
            "s.bind(('127.0.0.1', 0))",
            "s.listen(16)",
            "os.dup2(s.fileno(), 3)",
            "os.set_inheritable(3, True)",
            "os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES='nbd-tcp')",
            "os.execv(sys.argv[1], sys.argv[1:])");

    @Test
    void aPassedTcpSocketIsServedNextToAnExplicitUnixSocket() throws IOException, InterruptedException {
        Path socket = tmp.resolve("own.sock");
        Path data = tmp.resolve("data");
        Path log = tmp.resolve("server.log");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                        "python3",
                        "-c",
                        LAUNCHER,
                        Repo.launcher().toString(),
                        "serve",
                        "--data",
                        data.toString(),
                        "--listen",
                        "unix:" + socket,
                        "--admin",
                        "127.0.0.1:0",
                        "--demo"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(Command.ENV);
        pb.environment().put("FLASHCOPY_NO_BUILD", "1");
        Process server = pb.start();
        try {
            Pattern tcp = Pattern.compile("(?m)^NBD server listening on 127\\.0\\.0\\.1:(\\d+)$");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String port = null;
            while (port == null && server.isAlive() && System.nanoTime() < deadline) {
                Matcher m = tcp.matcher(Files.readString(log));
                if (m.find()) {
                    port = m.group(1);
                } else {
                    Thread.sleep(50);
                }
            }
            assertNotNull(port, "no banner line for the passed TCP socket: " + Files.readString(log));
            String tcpUri = "nbd://127.0.0.1:" + port + "/demo";
            Qemu.io(tcpUri, "write -P 0x77 8M 2M");
            String back = Qemu.io("nbd:unix:" + socket + ":exportname=demo", "read -P 0x77 8M 2M");
            assertFalse(back.contains("Pattern verification failed"), back);

            String out = Files.readString(log);
            assertTrue(out.contains("NBD server listening on unix:" + socket), out);
            assertFalse(out.contains("127.0.0.1:10809"), out);
            JsonNode admin =
                    new ObjectMapper().readTree(data.resolve("admin.json").toFile());
            assertEquals(server.pid(), admin.get("pid").asLong(), "the launcher's pid is the JVM's after exec");
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        assertFalse(Files.exists(socket), "the server's own socket file is removed on stop");
    }
}
