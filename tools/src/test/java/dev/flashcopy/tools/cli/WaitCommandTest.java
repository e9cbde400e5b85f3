package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.tools.admin.AdminFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code wait} exits 0 only for a copy that reached 100 %, with its own codes for the other endings. */
class WaitCommandTest {
    @TempDir
    Path dir;

    private AdminFixture api;
    private String data;

    @BeforeEach
    void start() throws Exception {
        api = new AdminFixture(dir.resolve("data"));
        data = api.dataDir.toString();
        assertEquals(0, CliRun.of("mkvol", "s", "--size", "1M", "--data", data).exit());
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
    }

    @Test
    void aPairWithdrawnBeforeItsCopyCompletedExitsWithTheWithdrawnCode() {
        assertEquals(0, CliRun.of("mkflash", "--nocp", "s:t", "--data", data).exit());
        assertEquals(0, CliRun.of("rmflash", "--force", "s:t", "--data", data).exit());
        CliRun r = CliRun.of("wait", "s:t", "--data", data);
        assertEquals(ExitCode.WITHDRAWN.code(), r.exit(), r.err());
        assertTrue(r.singleErrorLine().contains("withdrawn before its copy completed"), r.err());
        assertTrue(r.singleErrorLine().contains("16 of 16 grains still to copy"), r.err());
    }

    /** Without --timeout it would print the same percentage forever: the JUnit timeout turns that into a failure. */
    @Test
    @Timeout(30)
    void waitOnANocopyPairRefusesAtOnceSayingItHasNoBackgroundCopy() {
        assertEquals(0, CliRun.of("mkflash", "--nocp", "s:t", "--data", data).exit());
        CliRun r = CliRun.of("wait", "s:t", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), r.exit(), r.err());
        String line = r.singleErrorLine();
        assertTrue(line.contains("s:t is a NOCOPY relationship (mkflash --nocp): it has no background copy"), line);
        assertTrue(line.contains("the wait would never end"), line);
        assertEquals("", r.out());
    }

    @Test
    void waitOnANocopyPairWithATimeoutTimesOutSayingItHasNoBackgroundCopy() {
        assertEquals(0, CliRun.of("mkflash", "--nocp", "s:t", "--data", data).exit());
        CliRun r = CliRun.of("wait", "s:t", "--timeout", "1", "--data", data);
        assertEquals(ExitCode.TIMED_OUT.code(), r.exit(), r.err());
        assertTrue(r.singleErrorLine().contains("timed out after 1 s; s:t is a NOCOPY relationship"), r.err());
        assertTrue(r.singleErrorLine().contains("no background copy to complete"), r.err());
    }

    @Test
    void mkflashNocpWaitIsAUsageErrorBeforeAnyPairIsMade() {
        CliRun r = CliRun.of("mkflash", "--nocp", "--wait", "s:t", "--data", data);
        assertEquals(ExitCode.USAGE.code(), r.exit(), r.err());
        assertTrue(r.singleErrorLine().contains("--nocp turns off"), r.err());
        CliRun volumes = CliRun.of("lsvol", "--json", "--data", data);
        assertFalse(volumes.out().contains("\"t\""), volumes.out());
    }

    @Test
    void aCopyThatCompletedAndEndedExitsZeroSayingSo() {
        CliRun made = CliRun.of("mkflash", "--wait", "s:full", "--data", data);
        assertEquals(0, made.exit(), made.err());
        CliRun r = CliRun.of("wait", "s:full", "--data", data);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("copy complete"), r.out());
    }

    @Test
    void aReversedPairIsRefusedSayingItRunsTheOtherWayNow() {
        assertEquals(
                0,
                CliRun.of("mkflash", "--nocp", "--record", "s:t", "--data", data)
                        .exit());
        CliRun reversed = CliRun.of("reverseflash", "--fast", "s:t", "--data", data);
        assertEquals(0, reversed.exit(), reversed.err());
        CliRun r = CliRun.of("wait", "s:t", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), r.exit(), r.err());
        assertTrue(r.singleErrorLine().contains("reversed by reverseflash"), r.err());
        assertTrue(r.singleErrorLine().contains("it runs t:s now (wait t:s for its copy back)"), r.err());
    }

    @Test
    void aPairThatNeverEndedNorExistsIsRefused() {
        assertEquals(
                0, CliRun.of("mkvol", "other", "--size", "1M", "--data", data).exit());
        CliRun r = CliRun.of("wait", "s:other", "--data", data);
        assertEquals(ExitCode.REFUSED.code(), r.exit(), r.out());
        assertTrue(r.singleErrorLine().contains("knows of none that ended"), r.err());
    }
}
