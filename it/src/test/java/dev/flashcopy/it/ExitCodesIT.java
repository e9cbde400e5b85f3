package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exit codes and messages that scripts rely on, through the real {@code bin/flashcopy}: a copy that did not
 * reach 100 % never exits 0, revertibility ends with a commit or revert, sizes and options are named as the
 * user wrote them, start failures are sentences, and {@code mkvol --file} registers only image directories.
 */
class ExitCodesIT {
    private static final int REFUSED = 1;
    private static final int USAGE = 2;
    private static final int START_FAILED = 5;
    private static final int WITHDRAWN = 7;

    @TempDir
    static Path tmp;

    static ServerProcess server;
    static Path images;

    @BeforeAll
    static void start() throws IOException {
        images = Files.createDirectories(tmp.resolve("images"));
        server = ServerProcess.start(tmp.resolve("data"), "--image-dir", images.toString());
        server.cli("mkvol", "src", "--size", "256M").ok();
        // Data on the source, so a background copy at 1 MiB/s takes minutes: written into the image before any
        // relationship exists, through the page cache the server reads too.
        try (RandomAccessFile f =
                new RandomAccessFile(tmp.resolve("data/volumes/src.img").toFile(), "rw")) {
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 0x5a);
            for (int i = 0; i < 64; i++) {
                f.write(chunk);
            }
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void mkflashWaitExitsWithTheWithdrawnCodeWhenTheCopyIsWithdrawnMidway() throws Exception {
        // Its own process with output to files: ServerProcess.cli reads output on the common pool, which on two
        // cores has one thread, so a second cli call would wait for this one to end.
        Path out = tmp.resolve("mkflash.out");
        Path err = tmp.resolve("mkflash.err");
        ProcessBuilder pb = new ProcessBuilder(
                        Repo.launcher().toString(), "mkflash", "--wait", "--rate", "1", "src:half")
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().putAll(Command.ENV);
        pb.environment().put("FLASHCOPY_DATA", server.dataDir().toString());
        pb.environment().put("FLASHCOPY_NO_BUILD", "1");
        Process mkflash = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (server.cli("lsflash", "src:half").exit() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        server.cli("rmflash", "--force", "src:half").ok();
        assertTrue(mkflash.waitFor(60, TimeUnit.SECONDS), "mkflash --wait did not return");
        String said = Files.readString(err);
        assertEquals(WITHDRAWN, mkflash.exitValue(), said + Files.readString(out));
        assertTrue(said.contains("withdrawn before its copy completed"), said);
        assertTrue(said.contains("grains still to copy"), said);

        server.restart();
        Command.Result later = server.cli("wait", "src:half");
        assertEquals(WITHDRAWN, later.exit(), "the ending survives a restart: " + later);
    }

    @Test
    void waitExitsZeroOnlyForACopyThatCompleted() {
        server.cli("mkvol", "small", "--size", "1M").ok();
        Command.Result made = server.cli("mkflash", "--wait", "small:small-copy");
        assertEquals(0, made.exit(), made.toString());
        Command.Result r = server.cli("wait", "small:small-copy");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("copy complete"), r.out());
    }

    @Test
    void commitOrRevertEndsRevertibilitySoResyncAndReverseWork() {
        server.cli("mkvol", "rv", "--size", "1M").ok();
        server.cli("mkflash", "--record", "rv:rv-t").ok();
        server.cli("wait", "rv:rv-t").ok();
        server.cli("setflashrevertible", "rv:rv-t").ok();
        server.cli("commitflash", "rv:rv-t").ok();
        server.cli("resyncflash", "--record", "--persist", "rv:rv-t").ok();
        server.cli("wait", "rv:rv-t").ok();
        server.cli("setflashrevertible", "rv:rv-t").ok();
        server.cli("revertflash", "rv:rv-t").ok();
        Command.Result reversed = server.cli("reverseflash", "--record", "rv:rv-t");
        assertEquals(0, reversed.exit(), reversed.toString());
    }

    @Test
    void decimalSizesAreRefusedNamingTheBinarySpelling() {
        Command.Result r = server.cli("mkvol", "dec", "--size", "10GB");
        assertEquals(USAGE, r.exit(), r.toString());
        assertTrue(r.err().contains("10GiB") && r.err().contains("10G "), r.err());
        Command.Result huge = server.cli("mkvol", "huge", "--size", "99999999999999999999");
        assertTrue(huge.err().contains("too large"), huge.err());
    }

    @Test
    void aSizeTheFileSystemCannotHoldIsARefusalNamingTheLimit() {
        // ext4 holds at most 16 TiB in one file (4 KiB blocks); the machines this runs on keep /tmp on ext4.
        Command.Result r = server.cli("mkvol", "big", "--size", "100T");
        assertEquals(REFUSED, r.exit(), r.toString());
        assertTrue(r.err().contains("at most") && r.err().contains("TiB"), r.err());
    }

    @Test
    void badOptionValuesNameTheOption() {
        Command.Result r = server.cli("mkflash", "--grain", "3K", "src:g");
        assertEquals(USAGE, r.exit(), r.toString());
        assertTrue(r.err().contains("--grain"), r.err());
        assertFalse(r.err().contains("grainSize"), r.err());
    }

    @Test
    void serveStartFailuresAreSentences() {
        Command.Result file = Command.run(
                Duration.ofSeconds(60),
                Repo.launcher().toString(),
                "serve",
                "--data",
                "/etc/passwd",
                "--listen",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:0");
        assertEquals(START_FAILED, file.exit(), file.toString());
        assertTrue(file.err().contains("is not a directory"), file.err());
        Command.Result host = Command.run(
                Duration.ofSeconds(60),
                Repo.launcher().toString(),
                "serve",
                "--data",
                tmp.resolve("never").toString(),
                "--listen",
                "nohost:1",
                "--admin",
                "127.0.0.1:0");
        assertEquals(START_FAILED, host.exit(), host.toString());
        assertTrue(host.err().contains("--listen nohost:1") && host.err().contains("cannot be resolved"), host.err());
        for (String err : new String[] {file.err(), host.err()}) {
            assertFalse(err.contains("Exception"), err);
        }
    }

    @Test
    void mkvolFileRegistersOnlyImagesUnderAnImageDirectory() throws IOException {
        Command.Result passwd = server.cli("mkvol", "x", "--file", "/etc/passwd");
        assertEquals(REFUSED, passwd.exit(), passwd.toString());
        assertTrue(passwd.err().contains("--image-dir"), passwd.err());
        Path odd = Files.write(images.resolve("odd.img"), new byte[1000]);
        Command.Result unaligned = server.cli("mkvol", "odd", "--file", odd.toString());
        assertEquals(REFUSED, unaligned.exit(), unaligned.toString());
        assertTrue(unaligned.err().contains("multiple of 512"), unaligned.err());
        Path good = Files.write(images.resolve("good.img"), new byte[4096]);
        server.cli("mkvol", "good", "--file", good.toString()).ok();
    }
}
