package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code docs/HOSTS.md} tells an admin to use, used as written: the systemd unit, the fio job files, and
 * the kernel client's export listing. (The kernel client attaching a device is {@link KernelNbdClientIT}.)
 */
class ExamplesIT {
    private static final Duration MINUTE = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void systemdUnitPassesSystemdAnalyzeVerifyAndABrokenCopyDoesNot() throws IOException {
        String unit = Files.readString(Repo.root().resolve("examples/systemd/flashcopy.service"))
                // as installed: the checkout at /opt/flashcopy; here, this checkout. The user must exist.
                .replace("/opt/flashcopy", Repo.root().toString())
                .replace("User=flashcopy", "User=root")
                .replace("Group=flashcopy", "Group=root");
        Path good = tmp.resolve("flashcopy.service");
        Files.writeString(good, unit);
        Command.Result verified = Command.run(MINUTE, "systemd-analyze", "verify", good.toString());
        assertEquals(0, verified.exit(), verified.out() + verified.err());

        Path broken = tmp.resolve("broken/flashcopy.service");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, unit.replace(Repo.root() + "/bin/flashcopy", "/nonexistent/bin/flashcopy"));
        Command.Result refused = Command.run(MINUTE, "systemd-analyze", "verify", broken.toString());
        assertNotEquals(0, refused.exit(), "systemd-analyze must notice a missing ExecStart: " + refused.out());
    }

    @Test
    void socketUnitAndServicePassSystemdAnalyzeVerifyTogetherAndASocketWithoutListenDoesNot() throws IOException {
        Path pair = tmp.resolve("pair");
        Files.createDirectories(pair);
        for (String name : new String[] {"flashcopy.service", "flashcopy.socket"}) {
            Files.writeString(
                    pair.resolve(name),
                    Files.readString(Repo.root().resolve("examples/systemd/" + name))
                            .replace("/opt/flashcopy", Repo.root().toString())
                            .replace("User=flashcopy", "User=root") // SocketUser= too
                            .replace("Group=flashcopy", "Group=root"));
        }
        String socket = pair.resolve("flashcopy.socket").toString();
        String service = pair.resolve("flashcopy.service").toString();
        Command.Result verified = Command.run(MINUTE, "systemd-analyze", "verify", socket, service);
        assertEquals(0, verified.exit(), verified.out() + verified.err());

        Path unit = pair.resolve("flashcopy.socket");
        Files.writeString(unit, Files.readString(unit).replaceAll("(?m)^ListenStream=.*$", ""));
        Command.Result refused = Command.run(MINUTE, "systemd-analyze", "verify", socket, service);
        assertNotEquals(0, refused.exit(), "a socket unit must listen somewhere: " + refused.out());
    }

    @Test
    void kernelClientListsEveryExport() {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "db", "--size", "64M").ok();
            server.cli("mkflash", "--nocp", "db:db-snap").ok();
            String list = Command.ok(MINUTE, "nbd-client", "-l", server.host(), String.valueOf(server.port()));
            assertTrue(list.contains("db: flashcopy volume db (64 MiB)"), list);
            assertTrue(list.contains("db-snap: "), list);
        }
    }

    @Test
    void fioVerifyJobFromTheDocsRunsOnALiveTargetAndLeavesTheSourceAtItsData() {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "db", "--size", "128M").ok();
            Qemu.io(server.uri("db"), "write -P 0x5a 0 128M");
            String source = Exports.sha256(server.uri("db"));
            server.cli("mkflash", "--nocp", "db:db-snap").ok();

            Path job = Repo.root().resolve("examples/fio/randrw-verify.fio");
            Command.Result fio = Command.runWith(
                    Duration.ofMinutes(5),
                    Map.of("NBD_URI", server.uri("db-snap")),
                    tmp,
                    "fio",
                    "--output-format=terse",
                    job.toString());
            assertEquals(0, fio.exit(), fio.out() + fio.err());
            assertNotEquals(source, Exports.sha256(server.uri("db-snap")), "fio wrote to the target");
            assertEquals(source, Exports.sha256(server.uri("db")), "writes to the target never reach the source");
        }
    }
}
