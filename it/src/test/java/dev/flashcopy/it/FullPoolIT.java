package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.CephPool;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full cluster under the RBD store. The development cluster has no ceph-mgr, so pool quotas (which the monitors
 * enforce from the mgr's statistics) never trip; its one OSD is made full instead by lowering the full ratios below
 * what it holds, and put back afterwards. Then a write that needs space gets ENOSPC at once (not a hang); a source
 * write whose copy-on-write cannot be written fails its relationship ({@code --on-full fail}, durably, the source
 * write going on) or is itself refused with ENOSPC ({@code --on-full inhibit-source}, the target keeping its T0), as on
 * a full file system; a relationship whose T0 is an RBD snapshot keeps it whatever the source write gets; the owner
 * keeps its lease throughout; and once there is space again the refused write goes through.
 */
class FullPoolIT {
    private static final Duration T = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aFullClusterIsNoSpaceForTheWriterAndTheOnFullPolicyActsAsOnFiles() throws Exception {
        try (CephPool pool = CephPool.create("fcfull")) {
            ServerProcess server = ServerProcess.start(tmp.resolve("data"), Ceph.storeArgs(pool.name()));
            try (server) {
                server.cli("mkvol", "src", "--size", "16M").ok();
                server.cli("mkvol", "src2", "--size", "8M").ok();
                server.cli("mkvol", "plain", "--size", "16M").ok();
                Qemu.io(server.uri("src"), "write -P 0x10 0 16M");
                Qemu.io(server.uri("src2"), "write -P 0x20 0 8M");
                Qemu.io(server.uri("plain"), "write -P 0x30 0 4M");
                // --record keeps these two on copy-on-write, where --on-full acts (without it T0 would be an RBD
                // snapshot of the source and a source write would copy nothing to the target).
                server.cli("mkflash", "--nocp", "--record", "src:tgt").ok();
                server.cli("mkflash", "--nocp", "--record", "--on-full", "inhibit-source", "src2:tgt2")
                        .ok();
                String src2T0 = Exports.sha256(server.uri("src2"));
                // This one keeps T0 in a snapshot of its source, which the cluster keeps full or not.
                server.cli("mkvol", "src3", "--size", "8M").ok();
                Qemu.io(server.uri("src3"), "write -P 0x40 0 8M");
                server.cli("mkflash", "--nocp", "src3:tgt3").ok();
                String src3T0 = Exports.sha256(server.uri("src3"));
                awaitT0Snapshot(server, "src3:tgt3");

                double[] ratios = fullRatios();
                try {
                    setFullRatios(0.001, 0.0011, 0.0012);
                    awaitPoolFull(pool.name(), true);

                    // A write that needs space: ENOSPC, at once.
                    long start = System.nanoTime();
                    String refused = qemuIo(server.uri("plain"), "write -P 0x31 8M 1M");
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    System.out.println("full cluster: a write needing space was refused in " + ms + " ms");
                    assertTrue(refused.contains("No space left on device"), refused);
                    assertTrue(ms < 10_000, "refused after " + ms + " ms");
                    // An overwrite needs none: it goes on.
                    Qemu.io(server.uri("plain"), "write -P 0x32 0 1M", "read -P 0x32 0 1M");

                    // inhibit-source: the source write that needs a copy is refused, both keep their data.
                    String held = qemuIo(server.uri("src2"), "write -P 0x21 0 1M");
                    assertTrue(held.contains("No space left on device"), held);
                    assertEquals(
                            "nocopy",
                            relationship(server, "src2:tgt2").get("state").asText());
                    assertEquals(src2T0, Exports.sha256(server.uri("src2")));
                    assertEquals(src2T0, Exports.sha256(server.uri("tgt2")));

                    // fail (the default): the relationship fails, durably, and the source write goes on.
                    Qemu.io(server.uri("src"), "write -P 0x11 0 4M", "flush");
                    JsonNode rel = relationship(server, "src:tgt");
                    assertEquals("failed", rel.get("state").asText(), rel.toString());
                    assertTrue(rel.get("failedReason").asText().contains("no space"), rel.toString());
                    Qemu.io(server.uri("src"), "read -P 0x11 0 4M", "read -P 0x10 4M 12M");
                    String read = qemuIo(server.uri("tgt"), "read 0 64k");
                    assertTrue(read.contains("Input/output error"), read);

                    // T0 in a snapshot: the OSD clones the object or refuses the write; either way T0 stays whole.
                    String cloned = qemuIo(server.uri("src3"), "write -P 0x41 0 1M");
                    assertTrue(
                            cloned.contains("wrote 1048576/1048576") || cloned.contains("No space left on device"),
                            cloned);
                    assertEquals(src3T0, Exports.sha256(server.uri("tgt3")), "T0 of a snapshot on a full cluster");
                    assertEquals(
                            "nocopy",
                            relationship(server, "src3:tgt3").get("state").asText());
                } finally {
                    setFullRatios(ratios[0], ratios[1], ratios[2]);
                }
                awaitPoolFull(pool.name(), false);

                Qemu.io(server.uri("src2"), "write -P 0x21 0 1M", "flush");
                assertEquals(src2T0, Exports.sha256(server.uri("tgt2")), "T0 kept once the write went through");
                Qemu.io(server.uri("plain"), "write -P 0x31 8M 1M", "read -P 0x31 8M 1M");
                assertTrue(server.isAlive() && !server.logText().contains("lost ownership"), server.logText());
                server.restart();
                assertEquals(
                        "failed", relationship(server, "src:tgt").get("state").asText(), "failed, durably");
                server.cli("rmflash", "src:tgt").ok();
                assertEquals(src2T0, Exports.sha256(server.uri("tgt2")));
            }
        }
    }

    /** Waits until lsflash shows the RBD snapshot that keeps {@code pair}'s T0 (the server takes it after mkflash). */
    private static void awaitT0Snapshot(ServerProcess server, String pair) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!relationship(server, pair).hasNonNull("t0Snapshot")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no t0Snapshot for " + pair + " in 30 s\n" + server.logText());
            }
            Thread.sleep(100);
        }
    }

    /** qemu-io expected to fail: what it printed. */
    private static String qemuIo(String uri, String command) {
        Command.Result r = Command.run(T, "qemu-io", "-f", "raw", "-c", command, uri);
        return r.out() + r.err();
    }

    private static JsonNode relationship(ServerProcess server, String pair) throws IOException {
        JsonNode rels = JSON.readTree(server.cli("lsflash", "--json", pair).ok().out());
        assertEquals(1, rels.size(), rels.toString());
        return rels.get(0);
    }

    /** The OSD map's nearfull, backfillfull and full ratios. */
    private static double[] fullRatios() throws IOException {
        JsonNode map =
                JSON.readTree(Ceph.ceph("osd", "dump", "--format", "json").ok().out());
        return new double[] {
            map.get("nearfull_ratio").asDouble(),
            map.get("backfillfull_ratio").asDouble(),
            map.get("full_ratio").asDouble()
        };
    }

    private static void setFullRatios(double nearfull, double backfillfull, double full) {
        Ceph.ceph("osd", "set-full-ratio", Double.toString(full)).ok();
        Ceph.ceph("osd", "set-backfillfull-ratio", Double.toString(backfillfull))
                .ok();
        Ceph.ceph("osd", "set-nearfull-ratio", Double.toString(nearfull)).ok();
    }

    /**
     * Waits until the pool carries the {@code full} flag (or no longer does): the OSD compares what it holds with the
     * ratios at its next heartbeat and reports to the monitor, which flags the pools on it.
     */
    private static void awaitPoolFull(String pool, boolean full) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode pools = JSON.readTree(Ceph.ceph("osd", "pool", "ls", "detail", "--format", "json")
                    .ok()
                    .out());
            for (JsonNode p : pools) {
                if (p.get("pool_name").asText().equals(pool)) {
                    boolean flagged = Arrays.asList(
                                    p.get("flags_names").asText().split(","))
                            .contains("full");
                    if (flagged == full) {
                        return;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "pool " + pool + (full ? " not full" : " still full") + " after 60 s: " + pools);
            }
            Thread.sleep(500);
        }
    }
}
