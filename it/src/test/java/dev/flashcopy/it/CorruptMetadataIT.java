package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flipped bit in an old, long-forced journal record of a stopped server: {@code serve} refuses the directory in
 * one line (exit 5) instead of cutting every later clear as a torn tail; {@code fsck} finds it (exit 1);
 * {@code fsck --repair} fails the relationships it could hold and sets the journal aside; the server then starts,
 * the undamaged volume serves its bytes, and the damaged target answers EIO to qemu-io.
 */
class CorruptMetadataIT {
    private static final Duration T = Duration.ofSeconds(120);
    private static final int HEADER = 16;
    private static final int RECORD = 49;

    @TempDir
    Path tmp;

    @Test
    void corruptJournalRecordIsRefusedFoundByFsckAndRepairedByFailingItsRelationships() throws IOException {
        Path data = tmp.resolve("data");
        String keep;
        try (ServerProcess server = ServerProcess.start(data)) {
            server.cli("mkvol", "src", "--size", "4M").ok();
            server.cli("mkvol", "keep", "--size", "4M").ok();
            Qemu.io(server.uri("src"), "write -P 0x11 0 4M");
            Qemu.io(server.uri("keep"), "write -P 0x44 0 4M");
            server.cli("mkflash", "--nocp", "src:tgt").ok();
            // Separate clients: separate group commits, so the damaged record is followed by later appends.
            for (int i = 0; i < 4; i++) {
                Qemu.io(server.uri("src"), "write -P 0x2" + i + " " + (i * 256) + "k 64k");
            }
            keep = Exports.sha256(server.uri("keep"));
            server.kill9(); // the journal keeps its records (a clean stop would checkpoint and empty it)
        }
        Path journal = data.resolve("flash/journal");
        long damaged = HEADER + RECORD + 20; // inside the second record, in its relationship id
        try (RandomAccessFile raf = new RandomAccessFile(journal.toFile(), "rw")) {
            assertTrue(raf.length() > 0, "the journal has records");
            raf.seek(HEADER + 3 * RECORD);
            assertTrue(raf.readInt() != 0, "records after the damaged one");
            raf.seek(damaged);
            int b = raf.read();
            raf.seek(damaged);
            raf.write(b ^ 0x01);
        }

        Command.Result refused = Command.runWith(
                T,
                Map.of("FLASHCOPY_NO_BUILD", "1"),
                tmp,
                Repo.launcher().toString(),
                "serve",
                "--data",
                data.toString(),
                "--listen",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:0");
        assertEquals(5, refused.exit(), refused.out() + refused.err());
        String line = refused.err()
                .lines()
                .filter(l -> l.startsWith("flashcopy:"))
                .reduce((a, b) -> a + "\n" + b)
                .orElse("");
        assertEquals(1, line.lines().count(), "one line: " + refused.err());
        assertTrue(
                line.contains(journal.toString())
                        && line.contains("offset " + (HEADER + RECORD))
                        && line.contains("flashcopy fsck --data " + data),
                line);

        Command.Result fsck = fsck(data);
        assertEquals(1, fsck.exit(), fsck.out() + fsck.err());
        assertTrue(fsck.out().contains("DAMAGED journal " + journal), fsck.out());
        Command.Result repair = fsck(data, "--repair");
        assertEquals(0, repair.exit(), repair.out() + repair.err());
        assertTrue(repair.out().contains("set aside " + journal), repair.out());
        assertEquals(0, fsck(data).exit(), "clean after the repair");

        try (ServerProcess server = ServerProcess.start(data)) {
            assertEquals(keep, Exports.sha256(server.uri("keep")), "the undamaged volume serves its bytes");
            JsonNode rel = new ObjectMapper()
                    .readTree(server.cli("lsflash", "--json", "src:tgt").ok().out())
                    .get(0);
            assertEquals("failed", rel.get("state").asText(), rel.toString());
            assertTrue(
                    rel.get("failedReason").asText().contains(journal.toString())
                            && rel.get("failedReason").asText().contains("offset " + (HEADER + RECORD)),
                    rel.toString());
            Command.Result read = Command.run(T, "qemu-io", "-f", "raw", "-c", "read 0 64k", server.uri("tgt"));
            assertTrue((read.out() + read.err()).contains("Input/output error"), read.out() + read.err());
        }
    }

    private static Command.Result fsck(Path data, String... more) {
        String[] cmd = new String[4 + more.length];
        cmd[0] = Repo.launcher().toString();
        cmd[1] = "fsck";
        cmd[2] = "--data";
        cmd[3] = data.toString();
        System.arraycopy(more, 0, cmd, 4, more.length);
        return Command.runWith(T, Map.of("FLASHCOPY_NO_BUILD", "1"), data.getParent(), cmd);
    }
}
