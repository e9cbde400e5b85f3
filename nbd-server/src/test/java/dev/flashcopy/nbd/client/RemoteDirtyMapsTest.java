package dev.flashcopy.nbd.client;

import static dev.flashcopy.nbd.client.ForwardedVolume.uri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.testing.DirtyMapVolume;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Dirty maps of a far export read through a RemoteDevice, and through a forwarding export by nbdinfo. */
class RemoteDirtyMapsTest {
    private static final int GRAIN = 64 * 1024;
    private static final long SIZE = 16L * GRAIN;

    @TempDir
    Path dir;

    @RegisterExtension
    final ForwardedVolume<DirtyMapVolume> forward = new ForwardedVolume<>(SIZE, volume -> {
        DirtyMapVolume far = new DirtyMapVolume(volume, GRAIN);
        far.map("a", 1, 3, 4, 15);
        far.map("b", 0);
        return far;
    });

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
        try (RemoteDevice d =
                RemoteDevice.open("vol", Dialer.of(forward.ownerExport(), forward.loops()), Reconnect.NEVER)) {
            assertEquals(List.of("a", "b"), d.dirtyMapNames());
            assertEquals(walk(forward.far(), "a"), walk(d, "a"));
            assertEquals(walk(forward.far(), "b"), walk(d, "b"));
            assertEquals(
                    BlockError.INVALID,
                    assertThrows(BlockIoException.class, () -> walk(d, "zzz")).error());
            forward.far().drop("a");
            assertEquals(List.of("b"), d.dirtyMapNames());
            assertEquals(
                    BlockError.INVALID,
                    assertThrows(BlockIoException.class, () -> walk(d, "a")).error());
        }
    }

    @Test
    void nbdinfoSeesTheSameDirtyMapThroughTheForward() throws Exception {
        String context = "--map=qemu:dirty-bitmap:a";
        String viaOwner = Programs.ok(dir, Duration.ofSeconds(60), "nbdinfo", context, uri(forward.owner()));
        String viaFront = Programs.ok(dir, Duration.ofSeconds(60), "nbdinfo", context, uri(forward.front()));
        assertEquals(viaOwner, viaFront);
        for (NbdServer server : List.of(forward.owner(), forward.front())) {
            String listed = Programs.ok(dir, Duration.ofSeconds(60), "nbdinfo", "--json", uri(server));
            assertTrue(listed.contains("qemu:dirty-bitmap:b"), listed);
        }
    }
}
