package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several servers on one pool: one owns the store, the others wait as standbys; when the owner dies ({@code kill -9})
 * or is paused past its lease (SIGSTOP), a survivor takes the store over within 30 s, recovers every relationship
 * from the cluster and serves every target at its T0 (sha256 of the whole export), and a host connection open through
 * the survivor across the kill moves onto the survivor's engine and goes on; the paused owner, woken up, writes
 * nothing more (a write queued to it never lands) and stops; a second live server under the same name is refused.
 */
class FailoverIT {
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private static String[] args(String serverName) {
        return Ceph.serverArgs(Ceph.POOL, serverName);
    }

    @Test
    void aStandbyForwardsToTheOwnerThenTakesOverWhenItIsKilledWithEveryT0Intact() throws Exception {
        String src = Ceph.unique("fsrc");
        String tgt = Ceph.unique("ftgt");
        String b = Ceph.unique("b");
        try (ServerProcess owner = ServerProcess.start(tmp.resolve("a"), args(Ceph.unique("a")))) {
            owner.cli("mkvol", src, "--size", "16M").ok();
            Qemu.io(owner.uri(src), "write -P 0x21 0 16M");
            String t0 = Exports.sha256(owner.uri(src));
            owner.cli("mkflash", "--nocp", src + ":" + tgt).ok();
            String other = Ceph.unique("fother"); // never opened through the standby before the kill
            owner.cli("mkvol", other, "--size", "4M").ok();
            Qemu.io(owner.uri(other), "write -P 0x23 0 1M", "flush");
            try (ServerProcess standby = ServerProcess.start(tmp.resolve("b"), args(b))) {
                assertTrue(standby.logText().contains("standby: the store of pool"), standby.logText());
                // Through the standby: its writes reach the owner's volume, copy-on-write and all.
                Qemu.io(standby.uri(src), "write -P 0x22 1M 2M", "flush");
                assertEquals(
                        sha256Of((byte) 0x22, 2 << 20),
                        Exports.sha256(owner.uri(src), 1 << 20, 2 << 20),
                        "a write through the standby, read on the owner");
                assertEquals(t0, shaWithLogs(standby.uri(tgt), owner, standby), "the target's T0 through the standby");
                // A host connection through the standby that stays open across the kill: forwarded to the owner now,
                // moved onto the standby's own engine once it takes over (not left forwarding to itself).
                Path go = tmp.resolve("go");
                Process held = heldConnection(standby.uri(src), go, tmp.resolve("held.log"));

                owner.kill9();
                long killed = System.nanoTime();
                // A host looking a volume up through the standby while nobody owns the store: one attempt, which
                // waits for the takeover instead of being told that the export does not exist.
                CompletableFuture<String> lookUp = CompletableFuture.supplyAsync(
                        () -> Qemu.io(standby.uri(other), "read -P 0x23 0 1M"), Command.OWN_THREAD);
                String got = Exports.sha256WhenServed(standby.uri(tgt), TAKEOVER_BOUND);
                Duration failover = Duration.ofNanos(System.nanoTime() - killed);
                // For the notebook: owner kill -9 to the first whole read through the same address.
                System.out.println("failover: " + failover.toMillis() + " ms from kill -9 to a read through the"
                        + " standby's address");
                assertEquals(t0, got, "the target's T0 once the standby took over\n" + standby.logText());
                assertTrue(standby.logText().contains("took over the store"), standby.logText());
                assertEquals(
                        Exports.sha256(standby.uri(src), 1 << 20, 2 << 20),
                        sha256Of((byte) 0x22, 2 << 20),
                        "the source's write before the kill");
                String lsflash = standby.cli("lsflash").ok().out();
                assertTrue(lsflash.contains(src) && lsflash.contains(tgt), lsflash);
                String lsvol = standby.cli("lsvol").ok().out();
                assertTrue(
                        lsvol.contains("OWNER") && lsvol.lines().anyMatch(l -> l.startsWith(src) && l.contains(b)),
                        lsvol);
                assertTrue(standby.cli("lsvol", "--json").ok().out().contains("\"owner\" : \"" + b + "\""));
                lookUp.join(); // Qemu.io fails the test on an error
                String rehomed = standby.awaitLog(
                        l -> l.contains("forwarded while a standby now served by this server's engine"),
                        Duration.ofSeconds(30));
                assertTrue(
                        rehomed.contains("forwarded while a standby now served by this server's engine"),
                        "the connection held across the kill moved onto the survivor's engine\n" + rehomed);
                Files.writeString(go, "go");
                assertTrue(held.waitFor(60, TimeUnit.SECONDS), "the held connection's second write finishes");
                String heldLog = Files.readString(tmp.resolve("held.log"));
                assertEquals(0, held.exitValue(), heldLog);
                assertTrue(heldLog.contains("read back after the takeover"), heldLog);
                assertEquals(
                        sha256Of((byte) 0x25, 64 << 10),
                        Exports.sha256(standby.uri(src), 3 << 20, 64 << 10),
                        "the held connection's write after the takeover");
                standby.cli("rmflash", "--force", src + ":" + tgt).ok();
                standby.cli("rmvol", tgt).ok();
                standby.cli("rmvol", src).ok();
                standby.cli("rmvol", other).ok();
            }
        }
    }

    /**
     * A supervisor restarts a killed server at once, same name, same data directory: its last registration is still
     * locked, so it waits that out (saying so) instead of refusing to start, then owns the store again with every
     * flushed write and T0 intact.
     */
    @Test
    void aServerRestartedRightAfterKill9WaitsOutItsOwnRegistrationAndServes() {
        String src = Ceph.unique("rsrc");
        String tgt = Ceph.unique("rtgt");
        String a = Ceph.unique("a");
        String t0;
        try (ServerProcess first = ServerProcess.start(tmp.resolve("a"), args(a))) {
            first.cli("mkvol", src, "--size", "8M").ok();
            Qemu.io(first.uri(src), "write -P 0x41 0 8M", "flush");
            t0 = Exports.sha256(first.uri(src));
            first.cli("mkflash", "--nocp", src + ":" + tgt).ok();
            Qemu.io(first.uri(src), "write -P 0x42 0 1M", "flush");
            first.kill9();
        }
        try (ServerProcess again = ServerProcess.start(tmp.resolve("a"), args(a))) {
            assertTrue(
                    again.logText().contains("--server-name " + a + " is registered to")
                            && again.logText().contains("waiting up to"),
                    again.logText());
            assertEquals(t0, Exports.sha256(again.uri(tgt)), "T0 after the restart");
            assertEquals(
                    sha256Of((byte) 0x42, 1 << 20),
                    Exports.sha256(again.uri(src), 0, 1 << 20),
                    "the flushed write before the kill");
            again.cli("rmflash", "--force", src + ":" + tgt).ok();
            again.cli("rmvol", tgt).ok();
            again.cli("rmvol", src).ok();
        }
    }

    @Test
    void aPausedOwnerIsFencedAndWritesNothingWhenItWakes() throws Exception {
        String src = Ceph.unique("psrc");
        String tgt = Ceph.unique("ptgt");
        String a = Ceph.unique("a");
        try (ServerProcess owner = ServerProcess.start(tmp.resolve("a"), args(a))) {
            owner.cli("mkvol", src, "--size", "16M").ok();
            Qemu.io(owner.uri(src), "write -P 0x31 0 16M");
            String t0 = Exports.sha256(owner.uri(src));
            owner.cli("mkflash", "--nocp", src + ":" + tgt).ok();

            // The same name on a second live server is refused, in one line, exit 5.
            Command.Result twin = Command.runWith(
                    Duration.ofSeconds(60),
                    ServerProcess.NO_BUILD,
                    null,
                    ServerProcess.serveCommand(tmp.resolve("twin"), args(a)).toArray(String[]::new));
            assertEquals(5, twin.exit(), twin.toString());
            assertTrue(twin.err().contains("--server-name " + a + " is in use"), twin.err());

            Command.run(Duration.ofSeconds(10), "kill", "-STOP", Long.toString(owner.pid()))
                    .ok();
            // A write sent to the paused owner: it waits in the socket until the owner wakes up, fenced.
            Process late = new ProcessBuilder(
                            "qemu-io", "-f", "raw", "-c", "write -P 0xee 0 1M", "-c", "flush", owner.uri(src))
                    .redirectErrorStream(true)
                    .start();
            try (ServerProcess survivor = ServerProcess.start(tmp.resolve("b"), args(Ceph.unique("b")))) {
                // It listens at once as a standby (forwarding to the paused owner, whose requests just wait) and takes
                // the store over when the owner's lease lapses; or, started after that, takes it over at once.
                String started = survivor.awaitLog(l -> l.contains("Admin API listening"), TAKEOVER_BOUND);
                assertTrue(started.contains("Admin API listening"), "the survivor owns the store\n" + started);
                assertEquals(t0, Exports.sha256(survivor.uri(tgt)), "T0 through the survivor");
                String sourceBefore = Exports.sha256(survivor.uri(src));

                Command.run(Duration.ofSeconds(10), "kill", "-CONT", Long.toString(owner.pid()))
                        .ok();
                String ownerLog =
                        owner.awaitLog(l -> l.contains("lost ownership of the store"), Duration.ofSeconds(30));
                assertTrue(ownerLog.contains("lost ownership of the store"), ownerLog);
                late.waitFor(60, TimeUnit.SECONDS);
                late.destroyForcibly();
                assertTrue(owner.awaitExit(Duration.ofSeconds(30)), "the woken owner stops\n" + owner.logText());

                assertEquals(
                        sourceBefore, Exports.sha256(survivor.uri(src)), "nothing the woken owner had queued landed");
                assertFalse(
                        Exports.sha256(survivor.uri(src), 0, 1 << 20).equals(sha256Of((byte) 0xee, 1 << 20)),
                        "the late write is not on the source");
                assertEquals(t0, Exports.sha256(survivor.uri(tgt)), "T0 after the woken owner stopped");
                // The survivor goes on: copy-on-write still keeps the target at T0.
                Qemu.io(survivor.uri(src), "write -P 0x32 0 4M");
                assertEquals(t0, Exports.sha256(survivor.uri(tgt)), "T0 after a write through the survivor");
                survivor.cli("rmflash", "--force", src + ":" + tgt).ok();
                survivor.cli("rmvol", tgt).ok();
                survivor.cli("rmvol", src).ok();
            }
        }
    }

    /**
     * One NBD connection (nbdsh) that writes and flushes 64 KiB at 3 MiB, waits until {@code go} exists, then writes,
     * flushes and reads back another pattern there on the same connection; its output goes to {@code log}.
     */
    private static Process heldConnection(String uri, Path go, Path log) throws IOException {
        String py = String.join(
                "\n",
                "import os, sys, time",
                "h.pwrite(b'\\x24' * 65536, 3 << 20)",
                "h.flush()",
                "print('written before the kill', flush=True)",
                "deadline = time.time() + 120",
                "while not os.path.exists('" + go + "') and time.time() < deadline:",
                "    time.sleep(0.1)",
                "h.pwrite(b'\\x25' * 65536, 3 << 20)",
                "h.flush()",
                "assert h.pread(65536, 3 << 20) == b'\\x25' * 65536",
                "print('read back after the takeover', flush=True)");
        ProcessBuilder pb = new ProcessBuilder("nbdsh", "-u", uri, "-c", py);
        pb.environment().putAll(Command.ENV); // Debian's python, which has the nbd module
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(log).contains("written before the kill")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the held connection's first write: " + Files.readString(log));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        return p;
    }

    /** sha256 of the export; a failure carries both servers' logs, since the read crossed both. */
    private static String shaWithLogs(String uri, ServerProcess owner, ServerProcess standby) {
        try {
            return Exports.sha256(uri);
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + "\n--- owner:\n" + owner.logText() + "\n--- standby:\n" + standby.logText(), e);
        }
    }

    private static String sha256Of(byte value, int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, value);
        return Exports.sha256(b);
    }
}
