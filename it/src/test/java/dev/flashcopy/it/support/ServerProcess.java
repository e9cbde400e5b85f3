package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real server: {@code bin/flashcopy serve} on a data directory, on ephemeral ports, as a child
 * process. Its output goes to {@code DATA/../server.log} so a failing test can show it. Stop it
 * politely ({@link #stop()}, SIGTERM) or the hard way ({@link #kill9()}), then start it again on the
 * same directory.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("^NBD server listening on ([^/\\s]+):(\\d+)$");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final Path log;
    private final List<String> extraArgs;
    private final Path launcher;
    private final String javaOpts;
    private Process process;
    private String host;
    private int port;

    private ServerProcess(Path launcher, Path dataDir, List<String> extraArgs, String javaOpts) {
        this.launcher = launcher;
        this.javaOpts = javaOpts;
        this.dataDir = dataDir;
        this.log = dataDir.resolveSibling(dataDir.getFileName() + "-server.log");
        this.extraArgs = extraArgs;
    }

    /** Starts a server on {@code dataDir} (created if needed) and waits until it listens. */
    public static ServerProcess start(Path dataDir, String... extraArgs) {
        return startWith(Repo.launcher(), dataDir, extraArgs);
    }

    /** As {@link #start}, with another copy of {@code bin/flashcopy} (a checkout laid out elsewhere). */
    public static ServerProcess startWith(Path launcher, Path dataDir, String... extraArgs) {
        ServerProcess server = new ServerProcess(launcher, dataDir, List.of(extraArgs), null);
        server.launch();
        return server;
    }

    /** As {@link #start}, with {@code javaOpts} (a {@code -Dflashcopy.*} tunable, say) in FLASHCOPY_JAVA_OPTS. */
    public static ServerProcess startWithJavaOpts(String javaOpts, Path dataDir, String... extraArgs) {
        ServerProcess server = new ServerProcess(Repo.launcher(), dataDir, List.of(extraArgs), javaOpts);
        server.launch();
        return server;
    }

    /**
     * The command line of a server on {@code dataDir} with any free ports: for a server expected not to start, run
     * with {@link Command#runWith} and {@link #NO_BUILD}.
     */
    public static List<String> serveCommand(Path dataDir, String... extraArgs) {
        return serveCommand(Repo.launcher(), dataDir, List.of(extraArgs));
    }

    /** The environment that keeps {@code bin/flashcopy} from rebuilding: the build under test is already there. */
    public static final Map<String, String> NO_BUILD = Map.of("FLASHCOPY_NO_BUILD", "1");

    private static List<String> serveCommand(Path launcher, Path dataDir, List<String> extraArgs) {
        List<String> cmd = new ArrayList<>(List.of(
                launcher.toString(),
                "serve",
                "--data",
                dataDir.toString(),
                "--listen",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:0"));
        cmd.addAll(extraArgs);
        return cmd;
    }

    private void launch() {
        int logBefore = Files.exists(log) ? logText().length() : 0;
        List<String> cmd = serveCommand(launcher, dataDir, extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(Command.ENV);
        pb.environment().put("FLASHCOPY_NO_BUILD", "1");
        if (javaOpts != null) {
            pb.environment().put("FLASHCOPY_JAVA_OPTS", javaOpts);
        }
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Matcher> ready = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(process.getInputStream(), ready), "server-log");
        pump.setDaemon(true);
        pump.start();
        try {
            Matcher m = ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            host = m.group(1);
            port = Integer.parseInt(m.group(2));
            waitForAdminFile(logBefore);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
            fail("server did not start within " + START_TIMEOUT + ":\n" + logText());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void pump(InputStream in, CompletableFuture<Matcher> ready) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                Matcher m = LISTENING.matcher(line);
                if (!ready.isDone() && m.matches()) {
                    ready.complete(m);
                }
            }
        } catch (IOException ignored) {
            // the process is gone; whoever waits for it sees that
        }
        ready.completeExceptionally(new IllegalStateException("server exited"));
    }

    /**
     * Up to 30 s for {@code admin.json}, which a server writes once its admin API listens (a standby's at once). The
     * standby's line (in what this start logged, past {@code logBefore}) ends the wait too.
     */
    private void waitForAdminFile(int logBefore) throws InterruptedException {
        Path admin = dataDir.resolve("admin.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(admin) && System.nanoTime() < deadline) {
            String log = logText();
            if (log.length() > logBefore && log.substring(logBefore).contains("flashcopy: standby: ")) {
                return;
            }
            Thread.sleep(20);
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    public int port() {
        return port;
    }

    public String host() {
        return host;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** {@code nbd://HOST:PORT/EXPORT} for clients that take URIs. */
    public String uri(String export) {
        return "nbd://" + host + ":" + port + "/" + export;
    }

    /** Runs {@code bin/flashcopy ARGS} against this server (through {@code FLASHCOPY_DATA}). */
    public Command.Result cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(Command.ENV);
        pb.environment().put("FLASHCOPY_DATA", dataDir.toString());
        pb.environment().put("FLASHCOPY_NO_BUILD", "1");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out =
                    CompletableFuture.supplyAsync(() -> read(p.getInputStream()), Command.OWN_THREAD);
            CompletableFuture<String> err =
                    CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), Command.OWN_THREAD);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("flashcopy " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Command.Result(cmd, p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGTERM, and wait for a clean exit. */
    public void stop() {
        process.destroy();
        awaitExit();
    }

    /** SIGKILL: no shutdown hook runs, the page cache keeps what was written. */
    public void kill9() {
        process.destroyForcibly();
        awaitExit();
    }

    /** Waits up to {@code timeout} for the process to end by itself; whether it did. */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The exit status of the process, which has ended. */
    public int exitCode() {
        return process.exitValue();
    }

    /** Starts the server again on the same data directory (new ports). */
    public void restart() {
        if (process.isAlive()) {
            stop();
        }
        launch();
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("server did not exit within 30 s of being told to:\n" + logText());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The log once {@code done} holds for it, or as it is after {@code timeout}: the server's output reaches
     * the log through a pipe and a pump thread, so a line the server wrote a moment ago may not be there yet.
     */
    public String awaitLog(Predicate<String> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String now = logText();
        while (!done.test(now) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            now = logText();
        }
        return now;
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no output)";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    /** The server's data directory and address, to tell servers apart in a test's failure message. */
    @Override
    public String toString() {
        return "server in " + dataDir + " at " + host + ":" + port;
    }
}
