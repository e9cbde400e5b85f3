package dev.flashcopy.nbd.client;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real client program (qemu-io, nbdcopy, nbdinfo, fio) to completion and returns what it printed. */
final class Programs {
    private Programs() {}

    /** The program's standard output; fails the test when it exits with an error or runs out of time. */
    static String ok(Path dir, Duration timeout, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        p.getOutputStream().close();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + timeout + ": " + Files.readString(out));
        }
        String printed = Files.readString(out);
        if (p.exitValue() != 0) {
            fail(String.join(" ", List.of(command)) + " exited " + p.exitValue() + ": " + printed);
        }
        return printed;
    }
}
