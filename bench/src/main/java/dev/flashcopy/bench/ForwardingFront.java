package dev.flashcopy.bench;

import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.client.ClientLoops;
import dev.flashcopy.nbd.client.RemoteDevices;
import dev.flashcopy.nbd.client.RemoteExport;
import dev.flashcopy.nbd.listen.Endpoint;
import java.util.concurrent.CountDownLatch;

/**
 * A server that owns nothing: it serves one export by forwarding every request to another server over NBD, as a
 * non-owner does for a family another server owns. For {@code bench/forwarding-vs-direct.sh}.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.flashcopy.bench.ForwardingFront LISTEN_PORT OWNER_HOST:PORT EXPORT</pre>
 */
public final class ForwardingFront {
    private ForwardingFront() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ForwardingFront LISTEN_PORT OWNER_HOST:PORT EXPORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int colon = args[1].lastIndexOf(':');
        Endpoint owner = new Endpoint.Tcp(args[1].substring(0, colon), Integer.parseInt(args[1].substring(colon + 1)));
        try (ClientLoops loops = ClientLoops.create(1);
                RemoteDevices devices = new RemoteDevices(loops)) {
            devices.add(args[2], new RemoteExport(owner, args[2]));
            try (NbdServer server = NbdServer.start(new NbdServerConfig("127.0.0.1", port), devices)) {
                System.out.println("forwarding 127.0.0.1:" + server.port() + " to " + owner);
                new CountDownLatch(1).await(); // until killed
            }
        }
    }
}
