package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --freeze, --freeze-timeout and unfreezeflash argument mistakes, caught before any server is contacted. */
class FreezeCommandParsingTest {
    @TempDir
    Path dir;

    private String data() {
        return dir.resolve("data").toString();
    }

    @Test
    void freezeTimeoutTakesMillisecondsSecondsMinutesAndHours() {
        Converters.Timeout t = new Converters.Timeout();
        assertEquals(Duration.ofMillis(500), t.convert("500ms"));
        assertEquals(Duration.ofSeconds(120), t.convert("120"));
        assertEquals(Duration.ofSeconds(30), t.convert("30s"));
        assertEquals(Duration.ofMinutes(2), t.convert("2m"));
        assertEquals(Duration.ofHours(1), t.convert("1h"));
    }

    @Test
    void malformedFreezeTimeoutIsAUsageErrorSayingTheForm() {
        for (String bad : new String[] {"10x", "0", "-5s", "s"}) {
            CliRun r = CliRun.of("mkflash", "--freeze", "--freeze-timeout", bad, "a:b", "--data", data());
            assertEquals(ExitCode.USAGE.code(), r.exit(), bad + ": " + r.err());
            assertTrue(r.singleErrorLine().contains("duration '" + bad + "' is not valid"), r.err());
        }
    }

    @Test
    void aFreezeTimeoutOverADayIsAUsageErrorNamingTheOption() {
        CliRun r = CliRun.of("mkflash", "--freeze", "--freeze-timeout", "25h", "a:b", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit(), r.err());
        String line = r.singleErrorLine();
        assertTrue(line.contains("--freeze-timeout 90000 s is longer") && line.contains("at most 24h"), line);
    }

    @Test
    void freezeTimeoutWithoutFreezeIsAUsageError() {
        CliRun r = CliRun.of("resyncflash", "--freeze-timeout", "5s", "a:b", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit(), r.err());
        assertTrue(r.singleErrorLine().contains("--freeze-timeout needs --freeze"), r.err());
    }

    @Test
    void unfreezeflashRefusesAnInvalidVolumeNameAndNeedsAServer() {
        CliRun bad = CliRun.of("unfreezeflash", "no/slash", "--data", data());
        assertEquals(ExitCode.USAGE.code(), bad.exit(), bad.err());
        CliRun noServer = CliRun.of("unfreezeflash", "--data", data());
        assertEquals(ExitCode.UNREACHABLE.code(), noServer.exit(), noServer.err());
    }
}
