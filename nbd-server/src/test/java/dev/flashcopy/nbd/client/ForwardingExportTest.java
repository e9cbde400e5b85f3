package dev.flashcopy.nbd.client;

import static dev.flashcopy.nbd.client.ForwardedVolume.uri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.listen.Endpoint;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarding export end to end: our server serves {@code vol} through {@link RemoteDevices}, whose device is a second
 * server's export, and real clients (qemu-io, nbdcopy, nbdinfo, fio) use the first as if it held the data.
 */
class ForwardingExportTest {
    private static final long SIZE = 64L << 20;
    private static final Duration LIMIT = Duration.ofSeconds(240);

    @TempDir
    Path dir;

    @RegisterExtension
    final ForwardedVolume<CountingDevice> forward = new ForwardedVolume<>(SIZE, CountingDevice::new);

    private String run(String... command) throws IOException, InterruptedException {
        return Programs.ok(dir, LIMIT, command);
    }

    @Test
    void qemuIoWritesReachTheOwnerWithFuaAndFlush() throws Exception {
        String out = run(
                "qemu-io",
                "-f",
                "raw",
                uri(forward.front()),
                "-c",
                "write -P 0xab 0 1M",
                "-c",
                "write -f -P 0xcd 1M 64k",
                "-c",
                "flush",
                "-c",
                "write -z 2M 1M",
                "-c",
                "read -P 0xab 0 1M",
                "-c",
                "read -P 0xcd 1M 64k",
                "-c",
                "read -P 0 2M 1M");
        assertFalse(out.contains("verification failed"), out);
        assertTrue(forward.far().fuaWrites.get() >= 1, "no FUA write reached the owner: " + out);
        assertTrue(forward.far().flushes.get() >= 1, "no flush reached the owner: " + out);
        String direct = run("qemu-io", "-f", "raw", uri(forward.owner()), "-c", "read -P 0xcd 1M 64k");
        assertFalse(direct.contains("verification failed"), direct);
    }

    @Test
    void anIdleForwardHoldsNoConnectionToTheOwner() throws Exception {
        run("qemu-io", "-f", "raw", "-c", "write -P 7 0 64k", "-c", "flush", uri(forward.front()));
        run("nbdinfo", uri(forward.front()));
        // The front dialled the owner for each of them; with no host connected, the owner sees no user of its
        // volume (which it would otherwise refuse to remove for as long as the front runs).
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (forward.ownerLeases() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, forward.ownerLeases(), "connections the idle forward keeps open on the owner");
        assertTrue(
                run("qemu-io", "-f", "raw", "-c", "read -P 7 0 64k", uri(forward.front()))
                        .contains("read 65536/65536"),
                "the forward dials again for the next host");
    }

    @Test
    void nbdcopyThroughTheForwardIsByteForByteAndTheMapMatches() throws Exception {
        Path source = dir.resolve("source.bin");
        byte[] data = new byte[(int) SIZE];
        Random random = new Random(21);
        for (int mib = 0; mib < 64; mib++) {
            if (mib % 4 != 3) { // every fourth MiB stays zero, so nbdcopy zeroes or trims it
                byte[] chunk = new byte[1 << 20];
                random.nextBytes(chunk);
                System.arraycopy(chunk, 0, data, mib << 20, chunk.length);
            }
        }
        Files.write(source, data);
        run("nbdcopy", source.toString(), uri(forward.front()));
        run("nbdcopy", "--flush", uri(forward.front()), dir.resolve("back.bin").toString());
        assertEquals(sha256(source), sha256(dir.resolve("back.bin")));
        assertEquals(sha256(source), sha256(forward.image()), "the owner's image differs");
        assertEquals(run("nbdinfo", "--map", uri(forward.owner())), run("nbdinfo", "--map", uri(forward.front())));
        assertEquals(
                run("nbdinfo", "--json", uri(forward.owner())).contains("\"can_fua\": true"),
                run("nbdinfo", "--json", uri(forward.front())).contains("\"can_fua\": true"));
    }

    @Test
    void fioVerifiesCrc32cThroughTheForward() throws Exception {
        String out = run(
                "fio",
                "--name=forward",
                "--ioengine=nbd",
                "--uri=" + uri(forward.front()),
                "--rw=randwrite",
                "--bsrange=512-64k",
                "--iodepth=16",
                "--numjobs=2",
                "--size=16M",
                "--offset_increment=16M",
                "--verify=crc32c",
                "--verify_fatal=1",
                "--do_verify=1",
                "--verify_state_save=0",
                "--group_reporting");
        assertTrue(out.contains("err= 0"), out);
    }

    @Test
    void errorRepliesOfTheOwnerReachTheClientWithTheirErrno() throws Exception {
        try (PeerProcess full =
                PeerProcess.nbdkit(dir, "--filter=error", "memory", "16M", "error=ENOSPC", "error-pwrite-rate=100%")) {
            forward.forwarded().add("full", new RemoteExport(full.endpoint(), ""));
            RemoteExport viaFront = new RemoteExport(
                    new Endpoint.Tcp("127.0.0.1", forward.front().port()), "full");
            try (NbdConnection c = NbdClient.open(viaFront, forward.loops())) {
                ExecutionException e = assertThrows(
                        ExecutionException.class,
                        () -> c.write(0, Unpooled.wrappedBuffer(new byte[4096]), 0)
                                .get());
                assertEquals(
                        28, assertInstanceOf(ErrorReply.class, e.getCause()).errno()); // ENOSPC, as nbdkit said
                c.read(0, ByteBuffer.allocate(4096), 0).get(); // reads still go through
            }
            forward.forwarded().remove("full");
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
