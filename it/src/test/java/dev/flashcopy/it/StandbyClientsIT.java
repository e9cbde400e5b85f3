package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.CephPool;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.FuseDisk;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients on RBD volumes connected through a standby, which forwards them to the owner: ext4 made, mounted
 * ({@code nbdfuse} + {@code mount -o loop}), filled, frozen while a point-in-time copy is taken on the owner, changed,
 * then unmounted and mounted again with every file as last written, and the copy still at its T0 (sha256 of the whole
 * export); and qemu-io's writes read back through both servers. In a pool of the test's own, removed at the end.
 */
class StandbyClientsIT {
    private static final Duration T = Duration.ofSeconds(180);

    @TempDir
    Path tmp;

    @Test
    void ext4AndQemuThroughAStandbyKeepTheirDataAndACopyTakenWhileMountedHoldsT0() throws IOException {
        String fs = "fs";
        String snap = "snap";
        String raw = "raw";
        try (CephPool pool = CephPool.create("fcstandby");
                ServerProcess owner = ServerProcess.start(tmp.resolve("a"), Ceph.serverArgs(pool.name(), "a"));
                ServerProcess standby = ServerProcess.start(tmp.resolve("b"), Ceph.serverArgs(pool.name(), "b"))) {
            owner.cli("mkvol", fs, "--size", "128M").ok();
            owner.cli("mkvol", raw, "--size", "64M").ok();
            Path mnt = tmp.resolve("mnt");
            Map<String, String> files = new TreeMap<>();
            String t0;
            try (FuseDisk disk = FuseDisk.attach(standby.uri(fs), tmp.resolve("fuse"))) {
                // No lazy initialisation: nothing writes in the background while the copy is taken.
                Command.ok(
                        T,
                        "mkfs.ext4",
                        "-q",
                        "-F",
                        "-E",
                        "lazy_itable_init=0,lazy_journal_init=0",
                        disk.file().toString());
                disk.mount(mnt);
                try {
                    Random random = new Random(19);
                    writeFiles(mnt, random, 0, 12, files);
                    Map<String, String> atT0 = new TreeMap<>(files);
                    Command.ok(T, "fsfreeze", "-f", mnt.toString()); // flushes through to the owner's volume
                    try {
                        t0 = Exports.sha256(standby.uri(fs));
                        owner.cli("mkflash", "--nocp", fs + ":" + snap).ok();
                    } finally {
                        Command.ok(T, "fsfreeze", "-u", mnt.toString());
                    }
                    writeFiles(mnt, random, 6, 18, files); // overwrites half of them, adds more
                    assertNotEquals(atT0, files);
                    Command.ok(T, "sync");
                } finally {
                    FuseDisk.unmount(mnt);
                }
                Command.ok(T, "e2fsck", "-fn", disk.file().toString());
                disk.mount(mnt);
                try {
                    for (var e : files.entrySet()) {
                        assertEquals(
                                e.getValue(), Ext4MountIT.sha(Files.readAllBytes(mnt.resolve(e.getKey()))), e.getKey());
                    }
                } finally {
                    FuseDisk.unmount(mnt);
                }
            }
            assertEquals(t0, Exports.sha256(standby.uri(snap)), "the copy taken while mounted reads its T0");
            assertEquals(t0, Exports.sha256(owner.uri(snap)));

            Qemu.io(
                    standby.uri(raw),
                    "write -P 0x71 0 8M",
                    "write -P 0x72 16M 1M",
                    "flush",
                    "read -P 0x71 0 8M",
                    "write -z 4M 1M");
            Qemu.io(
                    owner.uri(raw),
                    "read -P 0x71 0 4M",
                    "read -P 0 4M 1M",
                    "read -P 0x71 5M 3M",
                    "read -P 0x72 16M 1M");
            Qemu.io(standby.uri(raw), "read -P 0x72 16M 1M", "read -P 0 17M 47M");
        }
    }

    private static void writeFiles(Path mnt, Random random, int from, int to, Map<String, String> files)
            throws IOException {
        for (int i = from; i < to; i++) {
            byte[] content = new byte[1 + random.nextInt(3 << 20)];
            random.nextBytes(content);
            Files.write(mnt.resolve("f" + i), content);
            files.put("f" + i, Ext4MountIT.sha(content));
        }
    }
}
