package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.listen.Endpoint;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Another NBD server as a real process on a unix socket: {@code nbdkit} or {@code qemu-nbd}, started in the
 * foreground and stopped (and waited for) on close. Not thread-safe.
 */
final class PeerProcess implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final Path log;

    private PeerProcess(Process process, Path socket, Path log) {
        this.process = process;
        this.socket = socket;
        this.log = log;
    }

    /** {@code nbdkit} with {@code args} (options, filters, plugin and its parameters) after the socket. */
    static PeerProcess nbdkit(Path dir, String... args) throws IOException {
        Path socket = dir.resolve("nbdkit.sock");
        List<String> cmd =
                new ArrayList<>(List.of("nbdkit", "--foreground", "--exit-with-parent", "--unix", socket.toString()));
        cmd.addAll(List.of(args));
        return start(cmd, socket, dir.resolve("nbdkit.log"));
    }

    /** {@code qemu-nbd} serving the raw file {@code image} as export {@code name}. */
    static PeerProcess qemuNbd(Path dir, Path image, String name) throws IOException {
        Path socket = dir.resolve("qemu-nbd.sock");
        return start(
                List.of(
                        "qemu-nbd",
                        "--socket=" + socket,
                        "--format=raw",
                        "--export-name=" + name,
                        "--persistent",
                        "--shared=16",
                        "--discard=unmap",
                        image.toString()),
                socket,
                dir.resolve("qemu-nbd.log"));
    }

    private static PeerProcess start(List<String> cmd, Path socket, Path log) throws IOException {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // The socket file appears at bind, a moment before the server listens: wait until a connection is taken.
        while (!accepts(socket)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException(cmd.getFirst() + " did not start: " + Files.readString(log));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        return new PeerProcess(p, socket, log);
    }

    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    Endpoint endpoint() {
        return new Endpoint.Unix(socket);
    }

    Path socket() {
        return socket;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** Sends the server {@code signal} ({@code STOP}, {@code CONT}, ...), as {@code kill -SIGNAL} does. */
    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** Kills the server at once (SIGKILL), as a crash would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
