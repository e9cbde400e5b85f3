package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.NbdSecurity;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve's security options: wrong combinations are usage errors in one line, before anything starts. */
class ServeSecurityOptionsTest {
    @TempDir
    Path dir;

    private CliRun serve(String... extra) {
        String[] args = new String[6 + extra.length];
        String[] base = {"serve", "--data", dir.resolve("data").toString(), "--listen", "127.0.0.1:0", "--admin"};
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRun.of(args);
    }

    @Test
    void handshakeTimeoutDefaultsToTwoMinutesSoEarlyRelaysAreNotCutOff() {
        @picocli.CommandLine.Command(name = "serve")
        final class Serve {
            @picocli.CommandLine.Mixin
            SecurityOptions security = new SecurityOptions();
        }
        Serve serve = new Serve();
        new picocli.CommandLine(serve).parseArgs();
        assertEquals(Duration.ofSeconds(120), serve.security.settings().handshakeTimeout());
        assertEquals(
                NbdSecurity.DEFAULT_HANDSHAKE_TIMEOUT, serve.security.settings().handshakeTimeout());
    }

    @Test
    void tlsWithoutCertificateIsAUsageError() {
        CliRun r = serve("127.0.0.1:0", "--tls", "require");
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(r.singleErrorLine().contains("--tls require needs --tls-cert FILE and --tls-key FILE"), r.err());
    }

    @Test
    void certificateWithoutKeyIsAUsageError() {
        CliRun r = serve("127.0.0.1:0", "--tls-cert", "cert.pem");
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(r.singleErrorLine().contains("--tls-cert and --tls-key go together"), r.err());
    }

    @Test
    void unknownTlsModeAndBadAllowRuleAreUsageErrors() {
        CliRun mode = serve("127.0.0.1:0", "--tls", "maybe");
        assertEquals(ExitCode.USAGE.code(), mode.exit());
        assertTrue(mode.singleErrorLine().contains("expected: off, on or require"), mode.err());
        CliRun allow = serve("127.0.0.1:0", "--allow", "backup=10.0.0.0/99");
        assertEquals(ExitCode.USAGE.code(), allow.exit());
        assertTrue(allow.singleErrorLine().contains("10.0.0.0/99"), allow.err());
        CliRun noRange = serve("127.0.0.1:0", "--allow", "backup");
        assertTrue(noRange.singleErrorLine().contains("expected: NAME=CIDR"), noRange.err());
    }

    @Test
    void missingCertificateFileFailsTheStartNamingIt() {
        CliRun r = serve(
                "127.0.0.1:0",
                "--tls-cert",
                dir.resolve("none.pem").toString(),
                "--tls-key",
                dir.resolve("none-key.pem").toString());
        assertEquals(ExitCode.START_FAILED.code(), r.exit());
        assertTrue(r.singleErrorLine().contains(dir.resolve("none.pem") + " does not exist"), r.err());
    }

    @Test
    void adminOnAllInterfacesWithoutTlsFailsTheStart() {
        CliRun r = serve("0.0.0.0:0");
        assertEquals(ExitCode.START_FAILED.code(), r.exit());
        assertTrue(r.singleErrorLine().contains("would listen on 0.0.0.0:0 in clear text"), r.err());
    }
}
