package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * {@code serve --demo}: a 1 GiB sparse volume named {@code demo}, and the commands that attach it
 * with the clients people already have, spelled with the server's real address so they can be
 * pasted as they are. Stateless, hence thread-safe.
 */
public final class DemoVolume {
    public static final String NAME = "demo";
    public static final long SIZE = 1L << 30;

    private DemoVolume() {}

    /** Creates the volume unless one by that name exists (kept from an earlier run); true when created. */
    static boolean ensure(VolumeStore store) throws IOException {
        synchronized (store) {
            if (store.contains(NAME)) {
                return false;
            }
            store.create(NAME, SIZE);
            return true;
        }
    }

    /** Ready-to-paste attach commands for the volume exported at {@code nbd}. */
    public static List<String> instructions(InetSocketAddress nbd) {
        String host = HostPort.hostOf(nbd);
        int port = nbd.getPort();
        String uri = "nbd://" + HostPort.format(nbd) + "/" + NAME;
        return List.of(
                "Volume '" + NAME + "' (1 GiB, sparse) is exported. Attach it with any NBD client:",
                "  inspect:  nbdinfo " + uri,
                "            qemu-img info " + uri,
                "  kernel:   sudo modprobe nbd && sudo nbd-client " + host + " " + port + " /dev/nbd0 -N " + NAME,
                "            (detach with: sudo nbd-client -d /dev/nbd0)",
                "  FUSE:     mkdir -p /tmp/demo && nbdfuse /tmp/demo/disk " + uri + " &",
                "            mkfs.ext4 -q /tmp/demo/disk && sudo mount -o loop /tmp/demo/disk /mnt",
                "  fio:      fio --name=demo --ioengine=nbd --uri=" + uri
                        + " --rw=randrw --bs=4k --size=256M --runtime=10 --time_based");
    }
}
