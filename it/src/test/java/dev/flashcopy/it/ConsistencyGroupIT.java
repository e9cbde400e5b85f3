package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consistency groups through the real server with libnbd writers ({@code seq_writers.py}): writer A writes
 * sequence number n to volume a, and only after that write is acknowledged writer B writes n to volume b.
 * {@code mkflash --freeze} over a:ca and b:cb mid-stream must give copies where b's highest n never exceeds
 * a's (never B without A), must hold (not fail) the writers' next writes, and {@code unfreezeflash}, the
 * timeout, and a server shutdown must each release them with every acknowledged write on the sources.
 */
class ConsistencyGroupIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SCAN = Pattern.compile("max (\\d+) contiguous (true|false) count (\\d+)");
    private static final Duration CLIENT_TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    private Process writers;

    @AfterEach
    void stopWriters() throws InterruptedException {
        if (writers != null && writers.isAlive()) {
            writers.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Path script() {
        return Repo.root().resolve("it/src/test/python/seq_writers.py");
    }

    private Path stopFile() {
        return tmp.resolve("stop");
    }

    private Path ackLog() {
        return tmp.resolve("acks.log");
    }

    private void startWriters(ServerProcess server) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(
                "/usr/bin/python3",
                script().toString(),
                "write",
                server.uri("a"),
                server.uri("b"),
                stopFile().toString(),
                ackLog().toString());
        pb.environment().putAll(Command.ENV);
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("writers.out").toFile());
        writers = pb.start();
    }

    /** Highest acknowledged n of writer {@code name} ("A" or "B"). */
    private long acked(String name) throws IOException {
        if (!Files.exists(ackLog())) {
            return 0;
        }
        long last = 0;
        for (String line : Files.readAllLines(ackLog())) {
            if (line.startsWith(name + " ")) {
                last = Math.max(last, Long.parseLong(line.substring(2).trim()));
            }
        }
        return last;
    }

    private void awaitAcked(String name, long atLeast) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acked(name) < atLeast) {
            assertTrue(
                    writers.isAlive() || acked(name) >= atLeast,
                    "writers ended early: " + Files.readString(tmp.resolve("writers.out")));
            assertTrue(System.nanoTime() < deadline, "writer " + name + " did not reach " + atLeast);
            Thread.sleep(20);
        }
    }

    /** {max, count} of the slots holding their own sequence number; fails unless they are 1..max. */
    private static long scanContiguous(ServerProcess server, String volume) {
        String out = Command.ok(CLIENT_TIMEOUT, "/usr/bin/python3", script().toString(), "scan", server.uri(volume));
        Matcher m = SCAN.matcher(out.trim());
        assertTrue(m.matches(), out);
        assertEquals("true", m.group(2), volume + " has a gap in its sequence: " + out);
        return Long.parseLong(m.group(1));
    }

    private static JsonNode relationship(ServerProcess server, String pair) throws IOException {
        return JSON.readTree(server.cli("lsflash", "--json", pair).ok().out()).get(0);
    }

    private static JsonNode volume(ServerProcess server, String name) throws IOException {
        for (JsonNode v : JSON.readTree(server.cli("lsvol", "--json").ok().out())) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    /** Starts the writers, waits until they are under way, then takes the group copy with {@code freezeArgs}. */
    private long[] groupCopyMidStream(ServerProcess server, String... freezeArgs) throws Exception {
        server.cli("mkvol", "a", "--size", "32M").ok();
        server.cli("mkvol", "b", "--size", "32M").ok();
        startWriters(server);
        awaitAcked("B", 200);
        List<String> args = new ArrayList<>(List.of("mkflash", "--nocp"));
        args.addAll(List.of(freezeArgs));
        args.addAll(List.of("a:ca", "b:cb"));
        server.cli(args.toArray(String[]::new)).ok();
        long copyA = scanContiguous(server, "ca");
        long copyB = scanContiguous(server, "cb");
        assertTrue(
                copyB <= copyA && copyA <= copyB + 1,
                "copies: a up to " + copyA + ", b up to " + copyB + " (expected: b never ahead of a)");
        assertTrue(copyB >= 200, "the copy holds what was acknowledged before it: " + copyB);
        return new long[] {copyA, copyB};
    }

    /** Stops the writers and checks every acknowledged write is on the sources and the copies kept T0. */
    private void stopAndCheck(ServerProcess server, long[] copies, String hashA, String hashB) throws Exception {
        Files.createFile(stopFile());
        assertTrue(writers.waitFor(60, TimeUnit.SECONDS), "writers did not stop");
        assertEquals(0, writers.exitValue(), Files.readString(tmp.resolve("writers.out")));
        long lastA = acked("A");
        long lastB = acked("B");
        assertTrue(lastB > copies[1] + 1, "writes went on after the freeze: b " + lastB);
        assertTrue(scanContiguous(server, "a") >= lastA, "every acknowledged write to a is there");
        assertTrue(scanContiguous(server, "b") >= lastB, "every acknowledged write to b is there");
        assertEquals(hashA, Exports.sha256(server.uri("ca")), "copy of a still at T0");
        assertEquals(hashB, Exports.sha256(server.uri("cb")), "copy of b still at T0");
    }

    @Test
    void groupCopyNeverHasBWithoutAAndUnfreezeReleasesHeldWrites() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            long[] copies = groupCopyMidStream(server, "--freeze");
            JsonNode rel = relationship(server, "a:ca");
            assertTrue(rel.path("frozen").asBoolean() && rel.hasNonNull("frozenUntil"), rel.toString());
            assertTrue(volume(server, "b").path("frozen").asBoolean(), "lsvol shows b frozen");
            long heldAt = acked("A") + acked("B");
            Thread.sleep(1000);
            assertEquals(heldAt, acked("A") + acked("B"), "no write to a frozen source completes");
            assertTrue(writers.isAlive(), "held writes wait, they do not fail");
            String hashA = Exports.sha256(server.uri("ca"));
            String hashB = Exports.sha256(server.uri("cb"));

            String out = server.cli("unfreezeflash").ok().out();
            assertTrue(out.contains("a, b"), out);
            awaitAcked("B", copies[1] + 100);
            assertTrue(!relationship(server, "b:cb").path("frozen").asBoolean());
            stopAndCheck(server, copies, hashA, hashB);
        }
    }

    @Test
    void freezeTimeoutReleasesHeldWritesByItself() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            long[] copies = groupCopyMidStream(server, "--freeze", "--freeze-timeout", "3s");
            String hashA = Exports.sha256(server.uri("ca"));
            String hashB = Exports.sha256(server.uri("cb"));
            awaitAcked("B", copies[1] + 100); // no unfreezeflash: only the timeout can let them through
            assertTrue(!volume(server, "a").path("frozen").asBoolean(), "the freeze has ended");
            stopAndCheck(server, copies, hashA, hashB);
        }
    }

    @Test
    void serverShutdownWhileFrozenCompletesHeldWrites() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            long[] copies = groupCopyMidStream(server, "--freeze", "--freeze-timeout", "10m");
            long heldAt = acked("B");
            server.stop(); // SIGTERM: fails the test if the server does not exit within 30 s
            assertTrue(writers.waitFor(60, TimeUnit.SECONDS), "writers did not end with the server");
            long lastA = acked("A");
            long lastB = acked("B");
            assertTrue(lastB >= heldAt && lastB >= copies[1], "b " + lastB);
            server.restart();
            assertTrue(scanContiguous(server, "a") >= lastA, "every acknowledged write to a is there");
            assertTrue(scanContiguous(server, "b") >= lastB, "every acknowledged write to b is there");
            assertTrue(!volume(server, "a").path("frozen").asBoolean(), "a restart holds nothing");
        }
    }
}
