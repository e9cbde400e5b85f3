package dev.flashcopy.nbd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.testing.DirtyMapVolume;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dirty maps of a far export read through a RemoteDevice, and through a forwarding export by nbdinfo. */
class RemoteDirtyMapsTest {
    private static final int GRAIN = 64 * 1024;
    private static final long SIZE = 16L * GRAIN;

    @TempDir
    Path dir;

    private ClientLoops loops;
    private Volume volume;
    private DirtyMapVolume far;
    private NbdServer owner;
    private RemoteDevices forwarded;
    private NbdServer front;

    @BeforeEach
    void start() throws IOException {
        loops = ClientLoops.create(1);
        volume = new Volume("vol", ImageFile.create(dir.resolve("vol.img"), SIZE), false);
        far = new DirtyMapVolume(volume, GRAIN);
        far.map("a", 1, 3, 4, 15);
        far.map("b", 0);
        owner = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 4, 1), new LeaseCountingDevices(far));
        forwarded = new RemoteDevices(loops);
        forwarded.add("vol", export());
        front = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 4, 1), forwarded);
    }

    @AfterEach
    void stop() {
        front.close();
        forwarded.close();
        owner.close();
        loops.close();
        volume.close();
    }

    private RemoteExport export() {
        return new RemoteExport(new Endpoint.Tcp("127.0.0.1", owner.port()), "vol");
    }

    /** A map walk as "length:dirty" strings, neighbours of the same state merged. */
    private static List<String> walk(DirtyMapDevice d, String map) throws BlockIoException {
        List<long[]> out = new ArrayList<>();
        d.mapDirty(map, 0, SIZE, (n, dirty) -> {
            long v = dirty ? 1 : 0;
            if (!out.isEmpty() && out.getLast()[1] == v) {
                out.getLast()[0] += n;
            } else {
                out.add(new long[] {n, v});
            }
            return true;
        });
        return out.stream().map(e -> e[0] + ":" + e[1]).toList();
    }

    @Test
    void dirtyMapsReadThroughTheDeviceAsOnTheFarSide() throws IOException {
        try (RemoteDevice d = RemoteDevice.open("vol", Dialer.of(export(), loops), Reconnect.NEVER)) {
            assertEquals(List.of("a", "b"), d.dirtyMapNames());
            assertEquals(walk(far, "a"), walk(d, "a"));
            assertEquals(walk(far, "b"), walk(d, "b"));
            assertEquals(
                    BlockError.INVALID,
                    assertThrows(BlockIoException.class, () -> walk(d, "zzz")).error());
            far.drop("a");
            assertEquals(List.of("b"), d.dirtyMapNames());
            assertEquals(
                    BlockError.INVALID,
                    assertThrows(BlockIoException.class, () -> walk(d, "a")).error());
        }
    }

    @Test
    void nbdinfoSeesTheSameDirtyMapThroughTheForward() throws Exception {
        String context = "--map=qemu:dirty-bitmap:a";
        String viaOwner = Programs.ok(dir, Duration.ofSeconds(60), "nbdinfo", context, uri(owner));
        String viaFront = Programs.ok(dir, Duration.ofSeconds(60), "nbdinfo", context, uri(front));
        assertEquals(viaOwner, viaFront);
        for (NbdServer server : List.of(owner, front)) {
            String listed = Programs.ok(dir, Duration.ofSeconds(60), "nbdinfo", "--json", uri(server));
            assertTrue(listed.contains("qemu:dirty-bitmap:b"), listed);
        }
    }

    private static String uri(NbdServer server) {
        return "nbd://127.0.0.1:" + server.port() + "/vol";
    }
}
