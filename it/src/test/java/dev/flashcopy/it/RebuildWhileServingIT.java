package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server keeps working while its checkout is rebuilt under it (a command after {@code git pull} rebuilds
 * {@code tools/target} in place). Before {@code bin/flashcopy serve} ran from its own copy of the jars, the first
 * class the server loaded after the rewrite failed, and every new connection was dropped. The checkout here is a
 * copy laid out as the real one, so its jars can be rewritten without touching the build other tests use.
 */
class RebuildWhileServingIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void serverKeepsServingAfterItsJarsAreRewrittenInPlace() throws IOException {
        Path checkout = layOutCheckout(tmp.resolve("checkout"));
        Path data = tmp.resolve("data");
        try (ServerProcess server = ServerProcess.startWith(checkout.resolve("bin/flashcopy"), data)) {
            // Rewrite every jar of the checkout in place (same file, new bytes), as Maven does on a rebuild.
            for (Path jar : jars(checkout.resolve("tools/target"))) {
                Files.writeString(
                        jar, "rebuilt: not the jar the server started from", StandardOpenOption.TRUNCATE_EXISTING);
            }
            // The server now loads classes it has not needed yet: copy-on-write relationships, their devices.
            cli(data, "mkvol", "src", "--size", "16M");
            cli(data, "mkvol", "tgt", "--size", "16M");
            Command.ok(TIMEOUT, "qemu-io", "-f", "raw", "-c", "write -P 0x11 0 16M", server.uri("src"));
            cli(data, "mkflash", "--nocp", "src:tgt");
            Command.ok(TIMEOUT, "qemu-io", "-f", "raw", "-c", "write -P 0x22 0 8M", server.uri("src"));

            Command.ok(TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0x11 0 16M", server.uri("tgt"));
            Command.ok(TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0x22 0 8M", server.uri("src"));
            assertTrue(server.isAlive(), "the server is still running");
            try (Stream<Path> copies = Files.list(checkout.resolve("tools/target/run"))) {
                assertEquals(1, copies.count(), "the server runs from one copy of the build it started with");
            }
        }
    }

    /** {@code bin/} and the built jars of the real checkout, copied into {@code dir}. */
    private static Path layOutCheckout(Path dir) throws IOException {
        Path root = Repo.root();
        Files.createDirectories(dir);
        copyTree(root.resolve("bin"), dir.resolve("bin"));
        Path target = dir.resolve("tools/target");
        Files.createDirectories(target);
        for (Path jar : jars(root.resolve("tools/target"))) {
            Path to = target.resolve(root.resolve("tools/target").relativize(jar));
            Files.createDirectories(to.getParent());
            Files.copy(jar, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
        return dir;
    }

    /** The launcher's jar and its lib/ (not copies a server made under run/). */
    private static List<Path> jars(Path target) throws IOException {
        try (Stream<Path> top = Files.list(target);
                Stream<Path> lib = Files.list(target.resolve("lib"))) {
            return Stream.concat(top, lib)
                    .filter(p -> p.toString().endsWith(".jar"))
                    .toList();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            all.forEach(p -> {
                try {
                    Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** The real checkout's command (not the rewritten copy) against the server's data directory. */
    private static void cli(Path data, String... args) {
        String[] command = Stream.concat(Stream.of(Repo.launcher().toString()), Stream.of(args))
                .toArray(String[]::new);
        Command.runWith(TIMEOUT, Map.of("FLASHCOPY_DATA", data.toString(), "FLASHCOPY_NO_BUILD", "1"), null, command)
                .ok();
    }
}
