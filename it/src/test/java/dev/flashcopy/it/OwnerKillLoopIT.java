package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.PoolServers;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.it.support.Slots;
import dev.flashcopy.it.support.TolerantWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the store's owner, three times over, while a writer writes flushed 64 KiB slots through a server
 * that stays up (a standby, which forwards them and sends again what a dead owner left unanswered): after each kill a
 * survivor takes the store over and writes go on, a fresh standby joins meanwhile, and no flushed write is lost.
 */
class OwnerKillLoopIT {
    private static final String POOL = "flashcopy-kill-it";
    private static final int SLOTS = 128;

    @TempDir
    Path tmp;

    private static String[] args(String serverName) {
        return Ceph.serverArgs(POOL, serverName);
    }

    @Test
    void killingTheOwnerThreeTimesLosesNoFlushedWriteThroughAServerThatStaysUp() throws Exception {
        Ceph.ensurePool(POOL);
        String volume = Ceph.unique("kv");
        List<ServerProcess> servers = new ArrayList<>();
        Map<String, ServerProcess> byName = new HashMap<>();
        try {
            String first = Ceph.unique("k0");
            servers.add(ServerProcess.start(tmp.resolve("k0"), args(first)));
            byName.put(first, servers.get(0));
            String[] names = {Ceph.unique("k1"), Ceph.unique("k2")};
            PoolServers.Two two = PoolServers.start(tmp, POOL, names[0], names[1]);
            servers.addAll(List.of(two.first(), two.second()));
            byName.put(names[0], two.first());
            byName.put(names[1], two.second());
            ServerProcess writesThrough = servers.get(2); // a standby: it is never killed
            servers.get(0)
                    .cli("mkvol", volume, "--size", String.valueOf(SLOTS * Slots.SLOT))
                    .ok();
            TolerantWriter writer = new TolerantWriter(writesThrough.uri(volume), SLOTS, 20261207L);
            Thread writing = Thread.ofPlatform().name("tolerant-writer").start(writer);
            int before = 0;
            for (int kill = 0; kill < 3; kill++) {
                // Writes go on before each kill (after the previous takeover): each takes a qemu-io start, seconds
                // on a loaded machine, so wait for progress rather than for a fixed time.
                assertTrue(
                        writer.awaitMoreThan(before, Duration.ofSeconds(60)),
                        "writes go on after takeover " + kill + ": " + writer.completed() + "\n"
                                + writesThrough.logText());
                before = writer.completed();
                String ownerName =
                        PoolServers.server(writesThrough).path("storeOwner").asText();
                if (byName.get(ownerName) == writesThrough) {
                    // It took the store over: hand it to another live server, so that the kill spares it.
                    String to = byName.entrySet().stream()
                            .filter(e -> e.getValue() != writesThrough
                                    && e.getValue().isAlive())
                            .findFirst()
                            .orElseThrow()
                            .getKey();
                    writesThrough.cli("move", "--to", to).ok();
                    ownerName = to;
                }
                Thread.sleep(1500);
                byName.get(ownerName).kill9();
                String killed = ownerName;
                // A fresh standby starts while the survivors wait for the dead owner's lease to lapse.
                String name = Ceph.unique("k" + (3 + kill));
                Path dir = tmp.resolve("k" + (3 + kill));
                CompletableFuture<ServerProcess> fresh =
                        CompletableFuture.supplyAsync(() -> ServerProcess.start(dir, args(name)), Command.OWN_THREAD);
                assertTrue(
                        PoolServers.awaitOwner(
                                writesThrough, n -> !n.isEmpty() && !n.equals(killed), Duration.ofSeconds(40)),
                        "a survivor took the store over\n" + writesThrough.logText());
                servers.add(fresh.join());
                byName.put(name, servers.getLast());
                before = writer.completed(); // what follows must be written after this takeover
            }
            assertTrue(
                    writer.awaitMoreThan(before, Duration.ofSeconds(60)),
                    "writes go on after the last takeover: " + writer.completed() + "\n" + writesThrough.logText());
            writer.stop();
            writing.join();
            try {
                writer.verify();
            } catch (AssertionError e) {
                StringBuilder logs = new StringBuilder(e.getMessage());
                for (ServerProcess s : servers) {
                    logs.append("\n--- ")
                            .append(s)
                            .append(s == writesThrough ? " (written through)" : "")
                            .append(":\n")
                            .append(s.logText());
                }
                throw new AssertionError(logs.toString(), e);
            }
        } finally {
            for (ServerProcess s : servers) {
                s.close();
            }
            Ceph.removePool(POOL);
        }
    }
}
