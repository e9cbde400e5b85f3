package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.tools.admin.AdminFile;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Argument mistakes are caught before any server is contacted (no server runs in these tests). */
class CommandLineParsingTest {
    @TempDir
    Path dir;

    private String data() {
        return dir.resolve("data").toString();
    }

    @Test
    void helpListsEverySubcommandAndTheExitCodes() {
        CliRun r = CliRun.of("--help");
        assertEquals(0, r.exit());
        for (String sub : new String[] {"serve", "mkvol", "lsvol", "rmvol"}) {
            assertTrue(r.out().contains("\n  " + sub + " "), sub + " missing from:\n" + r.out());
        }
        assertTrue(r.out().contains("3   no server: DATA/admin.json missing"), r.out());
    }

    @Test
    void noSubcommandIsAUsageError() {
        CliRun r = CliRun.of();
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertEquals("flashcopy: missing command (see 'flashcopy --help')", r.singleErrorLine());
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        CliRun r = CliRun.of("mkflesh");
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(r.singleErrorLine().contains("'mkflesh'"), r.err());
    }

    /** Zero, 1 and 1000 bytes parse as sizes but are no volume's size: a usage error too, before any request. */
    @Test
    void mkvolRefusesASizeNoBlockDeviceHasAsAUsageError() {
        for (String size : new String[] {"0", "1", "1000"}) {
            CliRun r = CliRun.of("mkvol", "a", "--size", size, "--data", data());
            assertEquals(ExitCode.USAGE.code(), r.exit(), size);
            String line = r.singleErrorLine();
            assertTrue(
                    line.contains("'--size'")
                            && line.contains("size " + size + " is not a volume size")
                            && line.contains("positive multiple of 512 bytes"),
                    line);
        }
    }

    @Test
    void mkvolRefusesAMalformedSizeWithTheExpectedForm() {
        CliRun r = CliRun.of("mkvol", "a", "--size", "10X", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit());
        String line = r.singleErrorLine();
        assertTrue(line.contains("size '10X' is not valid") && line.contains("suffix K, M, G, T"), line);
        assertTrue(line.endsWith("(see 'flashcopy mkvol --help')"), line);
    }

    @Test
    void mkvolRefusesAnInvalidNameWithTheRule() {
        CliRun r = CliRun.of("mkvol", "no/slash", "--size", "1G", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(
                r.singleErrorLine().contains("volume name 'no/slash' is not valid (expected: 1 to 64 characters"),
                r.err());
    }

    @Test
    void mkvolRefusesANameLongerThan64Characters() {
        CliRun r = CliRun.of("mkvol", "x".repeat(65), "--size", "1G", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit());
    }

    @Test
    void mkvolNeedsSizeOrFile() {
        CliRun r = CliRun.of("mkvol", "a", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(
                r.singleErrorLine()
                        .contains(
                                "Missing required argument (specify one of these): (--size=SIZE | --file=PATH | --image=POOL/IMAGE)"),
                r.err());
    }

    @Test
    void mkvolRefusesSizeAndFileTogether() {
        CliRun r = CliRun.of("mkvol", "a", "--size", "1G", "--file", "x.img", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(r.singleErrorLine().contains("--size=SIZE, --file=PATH are mutually exclusive"), r.err());
    }

    /** No server runs here: exit 2 means the CLI refused the value before any request. */
    @Test
    void mkflashRefusesAnUnknownOnFullPolicyNamingTheOption() {
        CliRun r = CliRun.of("mkflash", "--on-full", "maybe", "src:t9", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit(), r.err());
        String line = r.singleErrorLine();
        assertTrue(line.contains("'--on-full'") && line.contains("(expected: fail or inhibit-source)"), line);
        assertFalse(line.contains("onFull"), line);
    }

    @Test
    void mkflashRefusesAMalformedExtentNamingTheOptionAndTheForm() {
        CliRun r = CliRun.of("mkflash", "src:t9", "--extent", "1M", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit(), r.err());
        String line = r.singleErrorLine();
        assertTrue(line.contains("'--extent'") && line.contains("SRC_OFFSET:TGT_OFFSET:LENGTH"), line);
    }

    @Test
    void lsflashRefusesAMalformedPairAsMkflashDoes() {
        for (String cmd : new String[] {"lsflash", "mkflash"}) {
            CliRun r = CliRun.of(cmd, "a:b:c", "--data", data());
            assertEquals(ExitCode.USAGE.code(), r.exit(), cmd + ": " + r.err());
            assertTrue(r.singleErrorLine().contains("pair 'a:b:c' is not valid (expected: SOURCE:TARGET)"), r.err());
        }
        CliRun name = CliRun.of("lsflash", "no/slash", "--data", data());
        assertEquals(ExitCode.USAGE.code(), name.exit(), name.err());
    }

    @Test
    void aNegativeTimeoutIsAUsageErrorNamingTheOption() {
        String[][] commands = {
            {"wait", "src:rec", "--timeout", "-3"},
            {"mkflash", "--wait", "--timeout", "-3", "src:rec"},
            {"rmflash", "--cp", "--timeout", "-3", "src:rec"}
        };
        for (String[] args : commands) {
            String[] withData = Arrays.copyOf(args, args.length + 2);
            withData[args.length] = "--data";
            withData[args.length + 1] = data();
            CliRun r = CliRun.of(withData);
            assertEquals(ExitCode.USAGE.code(), r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.singleErrorLine().contains("'--timeout'"), r.err());
        }
    }

    @Test
    void rmvolRefusesAnInvalidNameBeforeBuildingAUrl() {
        CliRun r = CliRun.of("rmvol", "../etc", "--data", data());
        assertEquals(ExitCode.USAGE.code(), r.exit());
    }

    @Test
    void serveRefusesAMalformedAddress() {
        CliRun r = CliRun.of("serve", "--data", data(), "--listen", "localhost");
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(r.singleErrorLine().contains("address 'localhost' is not valid (expected: HOST:PORT"), r.err());
        CliRun port = CliRun.of("serve", "--data", data(), "--admin", "127.0.0.1:70000");
        assertEquals(ExitCode.USAGE.code(), port.exit());
    }

    @Test
    void clientCommandWithoutARunningServerSaysHowToStartOne() {
        CliRun r = CliRun.of("lsvol", "--data", data());
        assertEquals(ExitCode.UNREACHABLE.code(), r.exit());
        Path abs = dir.resolve("data").toAbsolutePath().normalize();
        assertEquals(
                "flashcopy: no flashcopy server is running for " + abs + " (start one with: bin/flashcopy serve --data "
                        + abs + ")",
                r.singleErrorLine());
    }

    @Test
    void staleAdminFileOfADeadServerIsReportedAsSuch() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        int closedPort;
        try (var s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        // No process has pid Long.MAX_VALUE; the port was just released, so nothing listens there.
        new AdminFile("http://127.0.0.1:" + closedPort, "t", Long.MAX_VALUE, "127.0.0.1:1").write(data);
        CliRun r = CliRun.of("lsvol", "--data", data.toString());
        assertEquals(ExitCode.UNREACHABLE.code(), r.exit());
        assertTrue(
                r.singleErrorLine().contains("is not running, so " + data.resolve("admin.json") + " is stale"),
                r.err());
    }

    @Test
    void dataFlagBeatsEnvironmentWhichBeatsTheDefault() {
        Map<String, String> env = Map.of(DataDirOption.ENV, "/from/env");
        assertEquals(Path.of("/from/flag"), DataDirOption.resolve(Path.of("/from/flag"), env));
        assertEquals(Path.of("/from/env"), DataDirOption.resolve(null, env));
        assertEquals(Path.of("flashcopy-data").toAbsolutePath(), DataDirOption.resolve(null, Map.of()));
        assertEquals(
                Path.of("flashcopy-data").toAbsolutePath(), DataDirOption.resolve(null, Map.of(DataDirOption.ENV, "")));
    }
}
