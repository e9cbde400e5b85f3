package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real client program to completion with a time limit and captures what it printed. The
 * PATH puts the system's binaries first so Debian's clients (and their Python) are the ones run.
 */
public final class Command {
    public static final Map<String, String> ENV = Map.of(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LC_ALL", "C.UTF-8");

    /** What a finished program left behind. */
    public record Result(List<String> command, int exit, String out, String err) {
        public Result ok() {
            if (exit != 0) {
                fail(String.join(" ", command) + " exited " + exit + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    private Command() {}

    public static Result run(Duration timeout, String... command) {
        return run(timeout, null, command);
    }

    public static Result run(Duration timeout, Path cwd, String... command) {
        return runWith(timeout, Map.of(), cwd, command);
    }

    /** Runs with {@code extraEnv} on top of {@link #ENV} (a fio job file reading {@code ${NBD_URI}}, say). */
    public static Result runWith(Duration timeout, Map<String, String> extraEnv, Path cwd, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(ENV);
        pb.environment().putAll(extraEnv);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(List.of(command), p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command[0] + " (is it installed? bin/install-clients)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code command} and returns its exit status, failing the test when it is not 0. */
    public static String ok(Duration timeout, String... command) {
        return run(timeout, command).ok().out();
    }

    /**
     * Runs each task on a thread of its own: output readers block until their process exits, and on the common pool
     * (one thread on a two-core machine) they would queue behind other tests' blocked readers, so that a command
     * seemed to take as long as a concurrent fio.
     */
    public static final Executor OWN_THREAD =
            task -> Thread.ofPlatform().daemon().name("output-reader").start(task);

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (in) {
                        ByteArrayOutputStream buf = new ByteArrayOutputStream();
                        in.transferTo(buf);
                        return buf.toString(StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return "";
                    }
                },
                OWN_THREAD);
    }
}
