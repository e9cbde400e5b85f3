package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.FuseDisk;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product as an admin meets it: a file system on a live source, a NOCOPY FlashCopy, the
 * source hammered by fio, and the target still the file system it was at T0, mountable and clean.
 */
class FlashCopyMountIT {
    private static final Duration T = Duration.ofSeconds(300);

    @TempDir
    Path tmp;

    @Test
    void nocopyTargetOfAMountedExt4SourceStaysAtT0WhileFioWritesTheSource() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "256M").ok();
            TreeMap<String, String> files = new TreeMap<>();
            Path mnt = tmp.resolve("mnt");
            try (FuseDisk disk = FuseDisk.attach(server.uri("src"), tmp.resolve("fuse-src"))) {
                Command.ok(T, "mkfs.ext4", "-q", "-F", disk.file().toString());
                disk.mount(mnt);
                try {
                    Random random = new Random(11);
                    for (int i = 0; i < 24; i++) {
                        byte[] content = new byte[1 + random.nextInt(2 << 20)];
                        random.nextBytes(content);
                        Files.write(mnt.resolve("f" + i), content);
                        files.put("f" + i, Ext4MountIT.sha(content));
                    }
                } finally {
                    FuseDisk.unmount(mnt); // quiesce: a point-in-time copy of a mounted fs is only crash-consistent
                }
            }
            String t0 = Exports.sha256(server.uri("src"));
            server.cli("mkflash", "--nocp", "src:tgt").ok();

            Command.run(
                            T,
                            "fio",
                            "--name=churn",
                            "--ioengine=nbd",
                            "--uri=" + server.uri("src"),
                            "--rw=randwrite",
                            "--bs=4k",
                            "--iodepth=32",
                            "--size=256M",
                            "--io_size=64M",
                            "--randseed=5")
                    .ok();
            String sourceAfter = Exports.sha256(server.uri("src"));
            assertNotEquals(t0, sourceAfter, "fio changed the source");
            assertEquals(t0, Exports.sha256(server.uri("tgt")), "target reads the source as it was at T0");

            try (FuseDisk disk = FuseDisk.attach(server.uri("tgt"), tmp.resolve("fuse-tgt"))) {
                Command.ok(T, "e2fsck", "-fn", disk.file().toString());
                disk.mount(mnt);
                try {
                    for (var e : files.entrySet()) {
                        assertEquals(e.getValue(), Ext4MountIT.sha(Files.readAllBytes(mnt.resolve(e.getKey()))));
                    }
                    Files.write(mnt.resolve("written-on-target"), new byte[3 << 20]);
                    Files.delete(mnt.resolve("f0"));
                } finally {
                    FuseDisk.unmount(mnt);
                }
                Command.ok(T, "e2fsck", "-fn", disk.file().toString());
            }
            assertEquals(sourceAfter, Exports.sha256(server.uri("src")), "target writes never reach the source");
            assertNotEquals(t0, Exports.sha256(server.uri("tgt")));
            assertFalse(server.cli("lsflash", "--json").ok().out().isBlank());
        }
    }

    @Test
    void reverseRestoreBringsBackAnExt4SourceThatMountsCleanWithItsFiles() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "db", "--size", "128M").ok();
            TreeMap<String, String> files = new TreeMap<>();
            Path mnt = tmp.resolve("mnt");
            try (FuseDisk disk = FuseDisk.attach(server.uri("db"), tmp.resolve("fuse-db"))) {
                Command.ok(T, "mkfs.ext4", "-q", "-F", disk.file().toString());
                disk.mount(mnt);
                try {
                    Random random = new Random(12);
                    for (int i = 0; i < 12; i++) {
                        byte[] content = new byte[1 + random.nextInt(1 << 20)];
                        random.nextBytes(content);
                        Files.write(mnt.resolve("f" + i), content);
                        files.put("f" + i, Ext4MountIT.sha(content));
                    }
                } finally {
                    FuseDisk.unmount(mnt);
                }
            }
            String good = Exports.sha256(server.uri("db"));
            server.cli("mkflash", "--nocp", "--record", "db:db-backup").ok();

            // the accident: files deleted and rewritten, then raw garbage over the file system's first blocks
            try (FuseDisk disk = FuseDisk.attach(server.uri("db"), tmp.resolve("fuse-db2"))) {
                disk.mount(mnt);
                try {
                    Files.delete(mnt.resolve("f1"));
                    Files.write(mnt.resolve("f2"), new byte[4096]);
                } finally {
                    FuseDisk.unmount(mnt);
                }
            }
            Qemu.io(server.uri("db"), "write -P 0xee 0 1M");
            assertNotEquals(good, Exports.sha256(server.uri("db")));

            server.cli("reverseflash", "--fast", "--record", "db:db-backup").ok();
            assertEquals(good, Exports.sha256(server.uri("db")), "the source reads the backup's point in time");
            try (FuseDisk disk = FuseDisk.attach(server.uri("db"), tmp.resolve("fuse-db3"))) {
                Command.ok(T, "e2fsck", "-fn", disk.file().toString());
                disk.mount(mnt);
                try {
                    for (var e : files.entrySet()) {
                        assertEquals(
                                e.getValue(),
                                Ext4MountIT.sha(Files.readAllBytes(mnt.resolve(e.getKey()))),
                                e.getKey() + " after the reverse restore");
                    }
                } finally {
                    FuseDisk.unmount(mnt);
                }
            }
        }
    }
}
