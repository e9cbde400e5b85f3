package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An export seen as a local file through {@code nbdfuse}, which is how this machine (no kernel
 * {@code nbd} module) mounts a volume: {@code nbdfuse DIR/disk URI}, then {@code mount -o loop}.
 */
public final class FuseDisk implements AutoCloseable {
    private static final Duration T = Duration.ofSeconds(120);
    private final Path dir;
    private final Process process;

    private FuseDisk(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    public static FuseDisk attach(String uri, Path dir) {
        try {
            Files.createDirectories(dir);
            ProcessBuilder pb = new ProcessBuilder(
                            "nbdfuse", dir.resolve("disk").toString(), uri)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolveSibling(dir.getFileName() + "-nbdfuse.log")
                            .toFile());
            pb.environment().putAll(Command.ENV);
            Process p = pb.start();
            FuseDisk disk = new FuseDisk(dir, p);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.exists(dir.resolve("disk"))) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    fail("nbdfuse did not attach " + uri);
                }
                Thread.sleep(20);
            }
            return disk;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The file that is the export. */
    public Path file() {
        return dir.resolve("disk");
    }

    /** Loop-mounts the file system on the export at {@code mountPoint}. */
    public void mount(Path mountPoint, String... options) {
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String opts = options.length == 0 ? "loop" : "loop," + String.join(",", options);
        Command.ok(T, "mount", "-o", opts, file().toString(), mountPoint.toString());
    }

    public static void unmount(Path mountPoint) {
        Command.ok(T, "umount", mountPoint.toString());
    }

    @Override
    public void close() {
        Command.run(T, "fusermount3", "-u", dir.toString());
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
