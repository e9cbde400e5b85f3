package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --store rbd:POOL} against the real cluster: volumes are RBD images of the pool, point-in-time copies
 * keep their T0 across {@code kill -9} (sha256 of the whole export), a completed COPY target is an ordinary image
 * that {@code rbd export} reads as the source's T0, existing images register in place, and every wrong store setting
 * is one line and exit 5.
 */
class RbdStoreIT {
    private static final long SIZE = 64L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Images this test made outside the server (rbd create), removed at the end whatever happened. */
    private final List<String> madeByRbd = new ArrayList<>();

    @AfterEach
    void removeImages() {
        for (String image : madeByRbd) {
            Ceph.rbd("rm", "--no-progress", Ceph.POOL + "/" + image);
        }
    }

    @Test
    void pointInTimeCopiesOfRbdVolumesKeepTheirT0AcrossKill9AndACopyTargetIsAnOrdinaryImage() throws Exception {
        String src = Ceph.unique("src");
        String nocopy = Ceph.unique("tn");
        String copy = Ceph.unique("tc");
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), Ceph.storeArgs())) {
            String made = server.cli("mkvol", src, "--size", "64M").ok().out();
            assertTrue(made.contains(Ceph.POOL + "/" + src), made);
            assertTrue(Ceph.rbd("info", Ceph.POOL + "/" + src).ok().out().contains("size 64 MiB"));
            Qemu.io(server.uri(src), "write -P 0x5a 0 32M");
            Qemu.io(server.uri(src), "write -P 0x17 40M 1M");
            String t0 = Exports.sha256(server.uri(src));

            server.cli("mkflash", "--nocp", src + ":" + nocopy).ok();
            server.cli("mkflash", "--rate", "8", src + ":" + copy).ok();
            // Each relationship switches to its own RBD snapshot of the source that keeps its T0, the older one first
            // (also when the newer was made while the older's snapshot was being taken).
            String older = t0Snapshot(server, src + ":" + nocopy, Duration.ofSeconds(30));
            String snapshot = t0Snapshot(server, src + ":" + copy, Duration.ofSeconds(30));
            assertTrue(snapshot.startsWith(Ceph.POOL + "/" + src + "@flashcopy.t0."), snapshot);
            assertNotEquals(older, snapshot, "a snapshot each");
            String snapName = snapshot.substring(snapshot.indexOf('@') + 1);
            String snaps = Ceph.rbd("snap", "ls", Ceph.POOL + "/" + src).ok().out();
            assertTrue(hasSnapshot(snaps, snapName), snaps);
            assertTrue(hasSnapshot(snaps, older.substring(older.indexOf('@') + 1)), snaps);
            // After T0: the source changes, the NOCOPY target takes a write of its own elsewhere.
            Qemu.io(server.uri(src), "write -P 0xc3 4M 8M");
            Qemu.io(server.uri(src), "write -z 20M 4M");
            assertEquals(t0, Exports.sha256(server.uri(nocopy)), "NOCOPY target reads the source's T0");
            assertEquals(t0, Exports.sha256(server.uri(copy)), "COPY target reads the source's T0");
            String sourceNow = Exports.sha256(server.uri(src));

            server.kill9();
            // The restarted server waits as a standby until the killed one's lease on the store lapses.
            server.restart();
            assertEquals(
                    t0,
                    Exports.sha256WhenServed(server.uri(nocopy), Duration.ofSeconds(30)),
                    "NOCOPY target after kill -9\n" + server.logText());
            assertEquals(t0, Exports.sha256(server.uri(copy)), "COPY target after kill -9\n" + server.logText());
            assertEquals(sourceNow, Exports.sha256(server.uri(src)), "source after kill -9");
            // The COPY relationship may have ended already (8 MiB/s over 64 MiB); the NOCOPY one stays.
            String lsflash = server.cli("lsflash").ok().out();
            assertTrue(lsflash.contains(src + ":" + nocopy), lsflash);

            server.cli("wait", src + ":" + copy, "--timeout", "300").ok();
            // The completed copy ends (it is not persistent) and its snapshot goes with it.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (hasSnapshot(
                            Ceph.rbd("snap", "ls", Ceph.POOL + "/" + src).ok().out(), snapName)
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String left = Ceph.rbd("snap", "ls", Ceph.POOL + "/" + src).ok().out();
            assertFalse(hasSnapshot(left, snapName), "the snapshot goes with the relationship that ended\n" + left);
            Path exported = tmp.resolve("copy.raw");
            Ceph.rbd("export", "--no-progress", Ceph.POOL + "/" + copy, exported.toString())
                    .ok();
            assertEquals(t0, Exports.sha256(exported), "the completed COPY target as rbd export reads it");

            server.cli("rmflash", "--force", src + ":" + nocopy).ok();
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (Ceph.rbd("snap", "ls", Ceph.POOL + "/" + src).ok().out().contains("flashcopy.")
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            left = Ceph.rbd("snap", "ls", Ceph.POOL + "/" + src).ok().out();
            assertFalse(left.contains("flashcopy."), "no relationship left, no snapshot of the server's left\n" + left);
            for (String v : List.of(nocopy, copy, src)) {
                server.cli("rmvol", v).ok();
                assertTrue(Ceph.rbd("info", Ceph.POOL + "/" + v).exit() != 0, "rmvol removes the image it created");
            }
        }
    }

    @Test
    void fioVerifiesOnAnRbdVolumeAndAnExistingImageRegistersInPlace() {
        String image = Ceph.unique("byrbd");
        Ceph.rbd("create", "--size", "32M", Ceph.POOL + "/" + image).ok();
        madeByRbd.add(image);
        String fio = Ceph.unique("fio");
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), Ceph.storeArgs())) {
            server.cli("mkvol", fio, "--size", "32M").ok();
            Command.Result r = Command.run(
                            Duration.ofSeconds(300),
                            "fio",
                            "--name=verify",
                            "--ioengine=nbd",
                            "--uri=" + server.uri(fio),
                            "--rw=randwrite",
                            "--bsrange=4k-64k",
                            "--iodepth=16",
                            "--size=16M",
                            "--verify=crc32c",
                            "--verify_fatal=1",
                            "--do_verify=1",
                            "--verify_state_save=0")
                    .ok();
            assertTrue(r.out().contains("err= 0"), r.out());

            Command.Result file =
                    server.cli("mkvol", "f", "--file", tmp.resolve("x.img").toString());
            assertEquals(1, file.exit(), file.toString());
            assertTrue(
                    file.err().contains("--file does not apply here")
                            && file.err().contains("--image POOL/IMAGE registers")
                            && file.err().contains("RBD pool"),
                    file.err());
            Command.Result otherPool = server.cli("mkvol", "o", "--image", "nosuchpool/" + image);
            assertTrue(
                    otherPool.exit() != 0 && otherPool.err().contains("is not in pool " + Ceph.POOL), otherPool.err());

            String reg = Ceph.unique("reg");
            String out = server.cli("mkvol", reg, "--image", Ceph.POOL + "/" + image)
                    .ok()
                    .out();
            assertTrue(out.contains("registered volume " + reg) && out.contains("rmvol keeps the image"), out);
            Qemu.io(server.uri(reg), "write -P 0x42 1M 1M");
            server.cli("rmvol", reg).ok();
            server.cli("rmvol", fio).ok();
        }
        Path exported = tmp.resolve("reg.raw");
        Ceph.rbd("export", "--no-progress", Ceph.POOL + "/" + image, exported.toString())
                .ok();
        byte[] expected = new byte[(int) (32L << 20)];
        Arrays.fill(expected, 1 << 20, 2 << 20, (byte) 0x42);
        assertEquals(Exports.sha256(expected), Exports.sha256(exported), "rmvol kept the registered image's data");
    }

    @Test
    void wrongStoreSettingsAreOneLineAndExit5() throws Exception {
        Command.Result noPool =
                serve("--store", "rbd:nosuchpool", "--ceph-conf", Ceph.conf().toString());
        assertEquals(5, noPool.exit(), noPool.toString());
        assertTrue(noPool.err().contains("no pool nosuchpool") && noPool.err().contains("rbd pool init"), noPool.err());

        // A configuration naming a monitor that is not there: a bounded wait, then the monitors tried.
        Path conf = tmp.resolve("unreachable.conf");
        String real = Files.readString(Ceph.conf());
        Files.writeString(conf, real.replaceAll("(?m)^\\s*mon[ _]host\\s*=.*$", "mon host = 127.0.0.1:1"));
        long start = System.nanoTime();
        Command.Result noMon = serve("--store", "rbd:" + Ceph.POOL, "--ceph-conf", conf.toString());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(5, noMon.exit(), noMon.toString());
        assertTrue(
                noMon.err().contains("no Ceph monitor answered") && noMon.err().contains("127.0.0.1:1"), noMon.err());
        assertTrue(seconds < 30, "gave up after " + seconds + " s");

        Command.Result noConf = serve(
                "--store",
                "rbd:" + Ceph.POOL,
                "--ceph-conf",
                tmp.resolve("none").toString());
        assertEquals(5, noConf.exit(), noConf.toString());
        assertTrue(noConf.err().contains("--ceph-conf"), noConf.err());

        Command.Result badStore = serve("--store", "nfs:x");
        assertEquals(2, badStore.exit(), badStore.toString());
        assertTrue(badStore.err().contains("--store nfs:x: unknown store"), badStore.err());
        for (Command.Result r : List.of(noPool, noMon, noConf, badStore)) {
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), r.err());
        }
    }

    private Command.Result serve(String... args) {
        return Command.runWith(
                Duration.ofSeconds(60),
                ServerProcess.NO_BUILD,
                null,
                ServerProcess.serveCommand(tmp.resolve("bad"), args).toArray(String[]::new));
    }

    /** Whether {@code rbd snap ls} output {@code ls} lists snapshot {@code name} (a whole word, not a prefix). */
    private static boolean hasSnapshot(String ls, String name) {
        return Arrays.asList(ls.split("\\s+")).contains(name);
    }

    /** The {@code t0Snapshot} lsflash --json shows for {@code pair}, once it shows one; fails after {@code within}. */
    private static String t0Snapshot(ServerProcess server, String pair, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            for (JsonNode rel :
                    JSON.readTree(server.cli("lsflash", "--json").ok().out())) {
                if (pair.equals(rel.path("source").asText() + ":"
                                + rel.path("target").asText())
                        && rel.hasNonNull("t0Snapshot")) {
                    return rel.get("t0Snapshot").asText();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no t0Snapshot for " + pair + " in " + within + "\n" + server.logText());
            }
            Thread.sleep(100);
        }
    }
}
