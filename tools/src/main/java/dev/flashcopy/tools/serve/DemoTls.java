package dev.flashcopy.tools.serve;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's attach commands over TLS: {@code nbds://} URIs with the client's certificate directory (libnbd's
 * {@code tls-certificates}), qemu's {@code tls-creds-x509} object, nbd-client's certificate options. The directory is
 * the client's, which the server cannot know: when the server's certificate lies beside a {@code client/} directory
 * holding {@code ca-cert.pem} ({@code bin/make-test-certs}' layout) that one is named, otherwise the lines say
 * {@code DIR} and what it must hold. Stateless.
 */
final class DemoTls {
    private DemoTls() {}

    static List<String> instructions(List<SocketAddress> nbd, ServeSecurity security, String export) {
        boolean clientCert = security.clientCa() != null;
        String dir = clientDirectory(security.certificate());
        List<String> lines = new ArrayList<>();
        String holds = "ca-cert.pem" + (clientCert ? ", client-cert.pem and client-key.pem" : "");
        lines.add(
                dir.equals("DIR")
                        ? "Over TLS (DIR: a directory holding " + holds
                                + ", the layout of bin/make-test-certs' client/):"
                        : "Over TLS, with the client directory bin/make-test-certs made beside the server's certificate:");
        SocketAddress main = NbdAddresses.primary(nbd);
        String uri = DemoVolume.shellWord(uri(main, export, dir));
        lines.add("  inspect:  nbdinfo " + uri);
        if (main instanceof InetSocketAddress tcp) {
            String host = HostPort.hostOf(tcp);
            lines.add("            qemu-img info --object tls-creds-x509,id=tls0,dir=" + dir + ",endpoint=client"
                    + " --image-opts driver=nbd,host=" + host + ",port=" + tcp.getPort() + ",export=" + export
                    + ",tls-creds=tls0");
            lines.add("  kernel:   sudo modprobe nbd && sudo nbd-client " + host + " " + tcp.getPort()
                    + " /dev/nbd0 -N "
                    + export + " -cacertfile " + dir + "/ca-cert.pem"
                    + (clientCert ? " -certfile " + dir + "/client-cert.pem -keyfile " + dir + "/client-key.pem" : "")
                    + " -tlshostname " + host);
        }
        // nbdfuse and fio refuse tls-certificates= in a URI (libnbd allows local files there only when the program
        // asks for it): they read the directory from libnbd's default place instead.
        String bare = DemoVolume.shellWord(uri(main, export, null));
        lines.add("  FUSE/fio: nbdfuse and fio take no tls-certificates= in a URI: copy " + dir + "'s files to libnbd's"
                + " default directory (/etc/pki/libnbd as root, else ~/.pki/libnbd), then");
        lines.add("            mkdir -p /tmp/demo && nbdfuse /tmp/demo/disk " + bare + " &");
        lines.add("            fio --name=demo --ioengine=nbd --uri=" + bare
                + " --rw=randrw --bs=4k --size=256M --runtime=10 --time_based");
        for (SocketAddress a : nbd) {
            if (a instanceof UnixDomainSocketAddress) {
                lines.add("  unix:     nbdinfo " + DemoVolume.shellWord(uri(a, export, dir)));
            }
        }
        return lines;
    }

    /**
     * {@code nbds://HOST:PORT/EXPORT?tls-certificates=DIR}, or the unix form with the socket and a host name; with a
     * null {@code dir}, without the certificates (libnbd's default directory).
     */
    private static String uri(SocketAddress a, String export, String dir) {
        String plain = NbdAddresses.uri(a, export); // nbd://... or nbd+unix:///EXPORT?socket=PATH
        String tls = "nbds" + plain.substring("nbd".length());
        String certificates = dir == null ? "" : "tls-certificates=" + dir;
        if (a instanceof UnixDomainSocketAddress) {
            // A unix socket has no host name for the certificate to match: name the one it was made for.
            return tls + (dir == null ? "" : "&" + certificates) + "&tls-hostname=localhost";
        }
        return dir == null ? tls : tls + "?" + certificates;
    }

    private static String clientDirectory(Path certificate) {
        if (certificate == null) {
            return "DIR";
        }
        Path client = certificate.toAbsolutePath().getParent().resolve("client");
        return Files.isRegularFile(client.resolve("ca-cert.pem")) ? client.toString() : "DIR";
    }
}
