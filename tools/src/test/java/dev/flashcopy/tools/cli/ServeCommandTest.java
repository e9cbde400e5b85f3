package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.tools.Flashcopy;
import dev.flashcopy.tools.admin.AdminFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flashcopy serve} in-process on ephemeral ports, stopped by interrupting its thread. */
class ServeCommandTest {
    private static final Pattern NBD_LINE =
            Pattern.compile("^NBD server listening on (\\S+):(\\d+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void servesUntilStoppedAndOtherCommandsFindItThroughTheDataDirectory() throws Exception {
        Path data = dir.resolve("data");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread serve = new Thread(
                () -> exit.set(Flashcopy.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                        .execute(
                                "serve",
                                "--data",
                                data.toString(),
                                "--listen",
                                "127.0.0.1:0",
                                "--admin",
                                "127.0.0.1:0",
                                "--demo")));
        serve.start();
        try {
            Matcher nbd = awaitBanner(out, err);
            AdminFile published = AdminFile.read(data);
            assertEquals(nbd.group(1) + ":" + nbd.group(2), published.nbd());
            assertTrue(out.toString().contains("nbdinfo nbd://" + published.nbd() + "/demo"), out.toString());
            assertTrue(out.toString().contains("Admin API listening on " + published.url()), out.toString());

            CliRun ls = CliRun.of("lsvol", "--json", "--data", data.toString());
            assertEquals(0, ls.exit(), ls.err());
            assertTrue(ls.out().contains("\"name\" : \"demo\""), ls.out());

            CliRun second =
                    CliRun.of("serve", "--data", data.toString(), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0");
            assertEquals(ExitCode.START_FAILED.code(), second.exit());
            assertTrue(
                    second.singleErrorLine()
                            .startsWith("flashcopy: data directory " + data.toAbsolutePath()
                                    + " is in use by another flashcopy server"),
                    second.err());
        } finally {
            serve.interrupt();
            serve.join(15_000);
        }
        assertFalse(serve.isAlive());
        assertEquals(0, exit.get(), err.toString());
        assertFalse(Files.exists(data.resolve("admin.json")), "admin.json must go with the server");
        CliRun after = CliRun.of("lsvol", "--data", data.toString());
        assertEquals(ExitCode.UNREACHABLE.code(), after.exit());
    }

    /** Also: the failed start removes the data directory it created (an existing one stays, with what it holds). */
    @Test
    void portInUseIsOneLineAndExitFive() throws Exception {
        Path existing = Files.createDirectories(dir.resolve("existing"));
        Files.writeString(existing.resolve("notes"), "an admin's file");
        try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (Path data : new Path[] {dir.resolve("data"), existing}) {
                CliRun r = CliRun.of(
                        "serve",
                        "--data",
                        data.toString(),
                        "--listen",
                        "127.0.0.1:" + taken.getLocalPort(),
                        "--admin",
                        "127.0.0.1:0");
                assertEquals(ExitCode.START_FAILED.code(), r.exit());
                assertTrue(
                        r.singleErrorLine()
                                .startsWith("flashcopy: cannot listen for NBD on 127.0.0.1:" + taken.getLocalPort()),
                        r.err());
            }
        }
        assertFalse(Files.exists(dir.resolve("data")), "a failed start leaves no data directory it created");
        assertEquals("an admin's file", Files.readString(existing.resolve("notes")));
    }

    @Test
    void aMistypedTunableStopsTheStartNamingTheKnownOne() {
        System.setProperty("flashcopy.heldReply", "8");
        try {
            CliRun r = CliRun.of(
                    "serve",
                    "--data",
                    dir.resolve("data").toString(),
                    "--listen",
                    "127.0.0.1:0",
                    "--admin",
                    "127.0.0.1:0");
            assertEquals(ExitCode.USAGE.code(), r.exit());
            assertEquals(
                    "flashcopy: -Dflashcopy.heldReply is not a flashcopy setting (did you mean"
                            + " -Dflashcopy.heldReplies? the list is in docs/ARCHITECTURE.md, \"Tunables\")",
                    r.singleErrorLine());
            assertFalse(Files.exists(dir.resolve("data")), "nothing may be created before the check");
        } finally {
            System.clearProperty("flashcopy.heldReply");
        }
    }

    @Test
    void aCephOptionWithTheFileStoreIsAUsageErrorAndCreatesNothing() {
        CliRun r = CliRun.of(
                "serve",
                "--data",
                dir.resolve("data").toString(),
                "--listen",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:0",
                "--ceph-user",
                "flashcopy");
        assertEquals(ExitCode.USAGE.code(), r.exit());
        assertTrue(r.singleErrorLine().startsWith("flashcopy: --ceph-user applies only to --store rbd:POOL"), r.err());
        assertFalse(Files.exists(dir.resolve("data")), "nothing may be created before the check");
    }

    private static Matcher awaitBanner(StringWriter out, StringWriter err) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Matcher m = NBD_LINE.matcher(out.toString());
            if (m.find() && out.toString().contains("Stop with Ctrl-C")) {
                return m;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no banner; out:\n" + out + "\nerr:\n" + err);
    }
}
