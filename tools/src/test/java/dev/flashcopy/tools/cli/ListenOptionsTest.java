package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.listen.SocketFileAccess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** {@code serve}'s listen options: addresses mixed, socket file access, and what systemd's variables do. */
class ListenOptionsTest {
    private static final long PID = ProcessHandle.current().pid();

    private static ListenOptions options(String... listen) {
        ListenOptions o = new ListenOptions();
        Converters.Listen converter = new Converters.Listen();
        for (String l : listen) {
            o.listen.add(converter.convert(l));
        }
        return o;
    }

    @Test
    void tcpAndUnixMixInTheirOrderAndSocketFilesGetTheModeAndOwnerAsked() {
        ListenOptions o = options("127.0.0.1:0", "unix:/run/fc/a.sock", "[::1]:10809");
        o.socketMode = "0660";
        o.socketOwner = ":disk";
        SocketFileAccess access = new SocketFileAccess(SocketFileAccess.parseMode("660"), null, "disk");
        assertEquals(
                List.of(
                        new Endpoint.Tcp("127.0.0.1", 0),
                        new Endpoint.Unix(Path.of("/run/fc/a.sock"), access),
                        new Endpoint.Tcp("::1", 10809)),
                o.endpoints(Map.of(), PID));
    }

    @Test
    void noListenMeansTheDefaultAddress() {
        assertEquals(List.of(ListenOptions.DEFAULT), options().endpoints(Map.of(), PID));
    }

    @Test
    void badAddressesSayBothForms() {
        TypeConversionException noPath =
                assertThrows(TypeConversionException.class, () -> new Converters.Listen().convert("unix:"));
        assertTrue(noPath.getMessage().contains("expected: unix:PATH"), noPath.getMessage());
        TypeConversionException bad =
                assertThrows(TypeConversionException.class, () -> new Converters.Listen().convert("nowhere"));
        assertTrue(bad.getMessage().contains("or unix:PATH for a unix socket"), bad.getMessage());
    }

    @Test
    void socketModeWithoutASocketFileIsAUsageError() {
        ListenOptions o = options("127.0.0.1:0");
        o.socketMode = "0600";
        CommandFailure e = assertThrows(CommandFailure.class, () -> o.endpoints(Map.of(), PID));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("--socket-mode and --socket-owner apply to --listen unix:PATH"));
        o.socketMode = "rw";
        CommandFailure mode = assertThrows(CommandFailure.class, () -> o.endpoints(Map.of(), PID));
        assertTrue(mode.getMessage().startsWith("--socket-mode: mode 'rw' is not valid"), mode.getMessage());
    }

    @Test
    void systemdVariablesForAnotherProcessAreIgnored() {
        Map<String, String> env = Map.of("LISTEN_PID", String.valueOf(PID + 1), "LISTEN_FDS", "1");
        assertEquals(List.of(ListenOptions.DEFAULT), options().endpoints(env, PID));
    }

    @Test
    void systemdVariablesForUsThatAreGarbledOrNameNoSocketStopTheStart() {
        CommandFailure count = assertThrows(
                CommandFailure.class,
                () -> options().endpoints(Map.of("LISTEN_PID", String.valueOf(PID), "LISTEN_FDS", "x"), PID));
        assertEquals(ExitCode.START_FAILED, count.exitCode());
        assertEquals("socket activation: LISTEN_FDS=x (expected: a count from 0 to 64)", count.getMessage());
        // Descriptor 50 is not open in the test JVM (or is a jar): either way, not a listening socket.
        CommandFailure notSocket = assertThrows(
                CommandFailure.class,
                () -> options().endpoints(Map.of("LISTEN_PID", String.valueOf(PID), "LISTEN_FDS", "48"), PID));
        assertTrue(notSocket.getMessage().startsWith("socket activation: fd "), notSocket.getMessage());
    }
}
