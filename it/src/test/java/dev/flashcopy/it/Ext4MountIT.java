package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.FuseDisk;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume as a Linux host uses it: ext4 made, mounted, filled, checked and mounted again. */
class Ext4MountIT {
    private static final Duration T = Duration.ofSeconds(180);

    @TempDir
    Path tmp;

    @Test
    void ext4OnAVolumeSurvivesUnmountFsckAndRemount() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "fs", "--size", "256M").ok();
            Path mnt = tmp.resolve("mnt");
            TreeMap<String, byte[]> written = new TreeMap<>();
            try (FuseDisk disk = FuseDisk.attach(server.uri("fs"), tmp.resolve("fuse"))) {
                Command.ok(T, "mkfs.ext4", "-q", "-F", disk.file().toString());
                disk.mount(mnt);
                try {
                    Random random = new Random(7);
                    for (int i = 0; i < 40; i++) {
                        byte[] content = new byte[1 + random.nextInt(3 << 20)];
                        random.nextBytes(content);
                        String name = "dir" + (i % 4) + "/file" + i;
                        Files.createDirectories(mnt.resolve(name).getParent());
                        Files.write(mnt.resolve(name), content);
                        written.put(name, content);
                    }
                    Command.ok(T, "sync");
                } finally {
                    FuseDisk.unmount(mnt);
                }
                Command.ok(T, "e2fsck", "-fn", disk.file().toString());
                disk.mount(mnt, "ro");
                try {
                    for (var e : written.entrySet()) {
                        assertEquals(sha(e.getValue()), sha(Files.readAllBytes(mnt.resolve(e.getKey()))), e.getKey());
                    }
                } finally {
                    FuseDisk.unmount(mnt);
                }
            }
        }
    }

    static String sha(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
