package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.nbd.tls.TlsMode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
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

    /** {@link #instructions(List, ServeSecurity)} of a server without TLS. */
    public static List<String> instructions(List<SocketAddress> nbd) {
        return instructions(nbd, ServeSecurity.NONE);
    }

    /**
     * Ready-to-paste attach commands for the volume exported at {@code nbd}: the first TCP address (or the first
     * unix socket when there is none) in the main lines, then the URI of each unix socket. With {@code --tls require}
     * only the TLS forms ({@code nbds://}, qemu's tls-creds, nbd-client's certificate options): plain ones would be
     * refused; with {@code --tls on} both.
     */
    public static List<String> instructions(List<SocketAddress> nbd, ServeSecurity security) {
        List<String> lines = new ArrayList<>();
        if (security.tlsMode() != TlsMode.REQUIRE) {
            lines.addAll(plain(nbd));
        }
        if (security.tlsMode() != TlsMode.OFF) {
            lines.addAll(DemoTls.instructions(nbd, security, NAME));
        }
        return lines;
    }

    private static List<String> plain(List<SocketAddress> nbd) {
        SocketAddress main = NbdAddresses.primary(nbd);
        String uri = shellWord(NbdAddresses.uri(main, NAME));
        List<String> lines = new ArrayList<>();
        lines.add("Volume '" + NAME + "' (1 GiB, sparse) is exported. Attach it with any NBD client:");
        lines.add("  inspect:  nbdinfo " + uri + "");
        lines.add("            qemu-img info " + uri + "");
        if (main instanceof InetSocketAddress tcp) {
            lines.add("  kernel:   sudo modprobe nbd && sudo nbd-client " + HostPort.hostOf(tcp) + " " + tcp.getPort()
                    + " /dev/nbd0 -N " + NAME);
            lines.add("            (detach with: sudo nbd-client -d /dev/nbd0)");
        }
        lines.add("  FUSE:     mkdir -p /tmp/demo && nbdfuse /tmp/demo/disk " + uri + " &");
        lines.add("            mkfs.ext4 -q /tmp/demo/disk && sudo mount -o loop /tmp/demo/disk /mnt");
        lines.add("  fio:      fio --name=demo --ioengine=nbd --uri=" + uri
                + " --rw=randrw --bs=4k --size=256M --runtime=10 --time_based");
        for (SocketAddress a : nbd) {
            if (a instanceof UnixDomainSocketAddress unix) {
                lines.add("  unix:     nbdinfo " + shellWord(NbdAddresses.uri(a, NAME)));
                lines.add("            qemu-io -f raw 'nbd:unix:" + unix.getPath() + ":exportname=" + NAME + "'");
            }
        }
        return lines;
    }

    /** A unix URI's {@code ?} is a shell wildcard: quoted, so the line pastes as it is. */
    static String shellWord(String uri) {
        return uri.contains("?") ? "'" + uri + "'" : uri;
    }
}
