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
import dev.flashcopy.it.support.Repo;
import dev.flashcopy.it.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corruption of a store's metadata in RADOS is never silent, as on files ({@link CorruptMetadataIT}): a flipped bit
 * in an old journal record (the object {@code flashcopy/flash/journal}, changed with {@code rados get/put}) makes
 * {@code serve --store rbd:POOL} refuse in one line that names {@code fsck --store rbd:POOL}; {@code fsck} refuses to
 * check while a server still holds the store, finds the damage (exit 1), {@code --repair} fails the relationship
 * it could hold and sets the journal aside, and the server then serves the undamaged volume's bytes.
 */
class RbdFsckIT {
    private static final Duration T = Duration.ofSeconds(120);
    private static final int HEADER = 16;
    private static final int RECORD = 49;
    private static final String JOURNAL = "flashcopy/flash/journal";

    @TempDir
    Path tmp;

    @Test
    void damagedJournalObjectIsRefusedFoundByFsckAndRepaired() throws Exception {
        try (CephPool made = CephPool.create("fsck")) {
            String pool = made.name();
            Path data = tmp.resolve("data");
            String[] store = {
                "--store", "rbd:" + pool, "--ceph-conf", Ceph.conf().toString()
            };
            String keep;
            try (ServerProcess server = ServerProcess.start(data, store)) {
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

                // The killed server's lease runs on for its term: to fsck it is a server still holding the store.
                Command.Result held = fsck(pool);
                assertEquals(5, held.exit(), held.out() + held.err());
                assertTrue(held.err().contains("works on a stopped store"), held.err());
            }

            Path journal = tmp.resolve("journal");
            Ceph.rados(pool, "get", JOURNAL, journal.toString()).ok();
            byte[] bytes = Files.readAllBytes(journal);
            assertTrue(bytes.length >= HEADER + 4 * RECORD, "the journal object has records: " + bytes.length);
            int damaged = HEADER + RECORD + 20; // inside the second record, in its relationship id
            bytes[damaged] ^= 0x01;
            Files.write(journal, bytes);
            Ceph.rados(pool, "put", JOURNAL, journal.toString()).ok();

            awaitLeaseLapsed(pool);
            List<String> serve = ServerProcess.serveCommand(data, store);
            Command.Result refused = Command.runWith(T, ServerProcess.NO_BUILD, tmp, serve.toArray(String[]::new));
            assertEquals(5, refused.exit(), refused.out() + refused.err());
            List<String> lines = refused.err()
                    .lines()
                    .filter(l -> l.startsWith("flashcopy:"))
                    .toList();
            assertEquals(1, lines.size(), "one line: " + refused.err());
            assertTrue(
                    lines.get(0).contains("offset " + (HEADER + RECORD))
                            && lines.get(0)
                                    .contains("flashcopy fsck --store rbd:" + pool + " --ceph-conf " + Ceph.conf())
                            && !lines.get(0).contains("--data"),
                    lines.get(0));

            Command.Result found = fsck(pool);
            assertEquals(1, found.exit(), found.out() + found.err());
            assertTrue(found.out().contains("DAMAGED journal /" + JOURNAL), found.out());
            assertTrue(found.out().contains("fsck pool " + pool + ": "), found.out());
            Command.Result repair = fsck(pool, "--repair");
            assertEquals(0, repair.exit(), repair.out() + repair.err());
            assertTrue(repair.out().contains("set aside /" + JOURNAL), repair.out());
            assertEquals(0, fsck(pool).exit(), "clean after the repair");

            try (ServerProcess server = ServerProcess.start(data, store)) {
                assertEquals(keep, Exports.sha256(server.uri("keep")), "the undamaged volume serves its bytes");
                JsonNode rel = new ObjectMapper()
                        .readTree(
                                server.cli("lsflash", "--json", "src:tgt").ok().out())
                        .get(0);
                assertEquals("failed", rel.get("state").asText(), rel.toString());
                Command.Result read = Command.run(T, "qemu-io", "-f", "raw", "-c", "read 0 64k", server.uri("tgt"));
                assertTrue((read.out() + read.err()).contains("Input/output error"), read.out() + read.err());
            }
        }
    }

    /** fsck until a killed server's lease on the store has lapsed (its term is 10 s). */
    private static void awaitLeaseLapsed(String pool) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Command.Result last;
        do {
            last = fsck(pool);
            if (last.exit() != 5) {
                return;
            }
            Thread.sleep(1000);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the killed server's lease never lapsed: " + last.err());
    }

    private static Command.Result fsck(String pool, String... more) {
        List<String> cmd = new ArrayList<>(List.of(
                Repo.launcher().toString(),
                "fsck",
                "--store",
                "rbd:" + pool,
                "--ceph-conf",
                Ceph.conf().toString()));
        cmd.addAll(List.of(more));
        return Command.runWith(T, ServerProcess.NO_BUILD, Path.of("/tmp"), cmd.toArray(String[]::new));
    }
}
