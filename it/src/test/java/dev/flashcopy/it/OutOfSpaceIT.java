package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Targets on a small loop-mounted ext4 file system that fills up. With the default policy
 * ({@code --on-full fail}) the relationship goes to {@code failed} with the reason in {@code lsflash}, the
 * source's writes all succeed and hash to what was written, the failed target refuses reads with EIO, the
 * state survives a restart and {@code rmflash} removes it. With {@code --on-full inhibit-source} the source
 * write fails with ENOSPC and both source and target keep their data. Other volumes are served throughout.
 */
class OutOfSpaceIT {
    private static final Duration T = Duration.ofSeconds(120);
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void fullTargetFileSystemFailsTheRelationshipOrHoldsTheSourceAsTheAdminChose() throws Exception {
        Path image = tmp.resolve("small-fs.img");
        Path mount = Files.createDirectories(tmp.resolve("small"));
        Command.ok(T, "truncate", "-s", "16M", image.toString());
        Command.ok(T, "mkfs.ext4", "-q", "-F", image.toString());
        Command.ok(T, "mount", "-o", "loop", image.toString(), mount.toString());
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--image-dir", mount.toString())) {
            server.cli("mkvol", "src", "--size", "48M").ok();
            server.cli("mkvol", "src2", "--size", "8M").ok();
            server.cli("mkvol", "other", "--size", "8M").ok();
            Qemu.io(server.uri("src"), "write -P 0x10 0 48M");
            Qemu.io(server.uri("src2"), "write -P 0x20 0 8M");
            for (String t : new String[] {"tgt", "tgt2"}) {
                Path file = mount.resolve(t + ".img");
                Command.ok(T, "truncate", "-s", t.equals("tgt") ? "48M" : "8M", file.toString());
                server.cli("mkvol", t, "--file", file.toString()).ok();
            }
            server.cli("mkflash", "--nocp", "src:tgt").ok();
            server.cli("mkflash", "--nocp", "--on-full", "inhibit-source", "src2:tgt2")
                    .ok();
            String src2T0 = Exports.sha256(server.uri("src2"));

            // 40 MiB of source writes need 40 MiB of copies on a 13 MiB file system: it fills on the way.
            Qemu.io(server.uri("src"), "write -P 0x11 0 40M");
            assertEquals(expectedSource(), Exports.sha256(server.uri("src")), "the source holds what was written");
            JsonNode rel = relationship(server, "src:tgt");
            assertEquals("failed", rel.get("state").asText(), rel.toString());
            assertTrue(rel.get("failedReason").asText().contains("no space left"), rel.toString());
            assertTrue(server.cli("lsflash").ok().out().contains("src:tgt failed: "));
            Command.Result read = Command.run(T, "qemu-io", "-f", "raw", "-c", "read 0 64k", server.uri("tgt"));
            assertTrue((read.out() + read.err()).contains("Input/output error"), read.out() + read.err());

            // inhibit-source: the file system is full, so the source write is refused and nothing changes.
            Command.Result held =
                    Command.run(T, "qemu-io", "-f", "raw", "-c", "write -P 0x21 0 1M", server.uri("src2"));
            assertTrue((held.out() + held.err()).contains("No space left on device"), held.out() + held.err());
            assertEquals(
                    "nocopy", relationship(server, "src2:tgt2").get("state").asText());
            assertEquals(src2T0, Exports.sha256(server.uri("src2")));
            assertEquals(src2T0, Exports.sha256(server.uri("tgt2")));

            Qemu.io(server.uri("other"), "write -P 0x33 0 8M", "read -P 0x33 0 8M");
            server.restart();
            assertEquals("failed", relationship(server, "src:tgt").get("state").asText());
            assertEquals(expectedSource(), Exports.sha256(server.uri("src")));
            assertEquals(src2T0, Exports.sha256(server.uri("tgt2")));
            server.cli("rmflash", "src:tgt").ok();
            assertEquals(
                    1,
                    new ObjectMapper()
                            .readTree(server.cli("lsflash", "--json").ok().out())
                            .size());
        } finally {
            Command.run(T, "umount", mount.toString());
        }
    }

    private static JsonNode relationship(ServerProcess server, String pair) throws IOException {
        JsonNode rels = new ObjectMapper()
                .readTree(server.cli("lsflash", "--json", pair).ok().out());
        assertEquals(1, rels.size(), rels.toString());
        return rels.get(0);
    }

    private static String expectedSource() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[MIB];
        Arrays.fill(chunk, (byte) 0x11);
        for (int i = 0; i < 40; i++) {
            sha.update(chunk);
        }
        Arrays.fill(chunk, (byte) 0x10);
        for (int i = 40; i < 48; i++) {
            sha.update(chunk);
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
