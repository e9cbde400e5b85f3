package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --export-ro}, {@code --allow} and {@code --handshake-timeout} as real clients meet
 * them. The clients connect from 127.0.0.1, outside the range allowed for {@code fenced}.
 */
class ExportRulesIT {
    private static final Duration T = Duration.ofSeconds(120);
    private static final int ERR_POLICY = 0x80000002;

    @TempDir
    static Path tmp;

    static ServerProcess server;

    @BeforeAll
    static void start() {
        server = ServerProcess.start(
                tmp.resolve("data"),
                "--export-ro",
                "golden",
                "--allow",
                "fenced=10.0.0.0/8",
                "--handshake-timeout",
                "3");
        for (String name : new String[] {"golden", "fenced", "open"}) {
            server.cli("mkvol", name, "--size", "16M").ok();
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void readOnlyExportIsAdvertisedReadOnlyAndQemuWritesAreRefused() throws IOException {
        String before = Exports.sha256(server.uri("golden"));
        JsonNode export = new ObjectMapper()
                .readTree(Command.ok(T, "nbdinfo", "--json", server.uri("golden")))
                .get("exports")
                .get(0);
        assertTrue(export.get("is_read_only").asBoolean(), export.toString());
        Command.Result write =
                Command.run(T, "qemu-io", "-f", "raw", "-c", "write -P 0x11 0 64k", server.uri("golden"));
        String said = write.out() + write.err();
        assertTrue(
                write.exit() != 0
                        || said.contains("failed")
                        || said.contains("ermission")
                        || said.contains("read-only")
                        || said.contains("read only"),
                said);
        assertEquals(before, Exports.sha256(server.uri("golden")), "nothing was written");
    }

    @Test
    void clientOutsideTheAllowedRangeIsRefusedByPolicyAndSeesOnlyOtherExports() throws IOException {
        Command.Result info = Command.run(T, "nbdinfo", server.uri("fenced"));
        assertNotEquals(0, info.exit());
        String list = Command.ok(T, "nbdinfo", "--list", "nbd://127.0.0.1:" + server.port());
        assertFalse(list.contains("fenced"), list);
        assertTrue(list.contains("open"), list);
        try (RawNbdClient raw = new RawNbdClient("127.0.0.1", server.port())) {
            raw.greet();
            raw.sendOption(7, RawNbdClient.goData("fenced")); // GO, by hand: the refusal is the point
            assertEquals(ERR_POLICY, raw.readOptionReply().type());
        }
    }

    @Test
    void idleClientIsDisconnectedAfterTheHandshakeTimeout() throws IOException {
        try (RawNbdClient raw = new RawNbdClient("127.0.0.1", server.port())) {
            raw.greet();
            long started = System.nanoTime();
            assertTrue(raw.closedByServer(), "an idle handshake must be closed");
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertTrue(ms >= 1_000 && ms < 8_000, "closed after " + ms + " ms (timeout 3 s)");
        }
        String want = "did not finish the NBD handshake within 3";
        String log = server.awaitLog(l -> l.contains(want), Duration.ofSeconds(10));
        assertTrue(log.contains(want), log);
    }
}
