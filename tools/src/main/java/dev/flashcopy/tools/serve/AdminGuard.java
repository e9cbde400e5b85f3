package dev.flashcopy.tools.serve;

import java.net.InetSocketAddress;

/**
 * Keeps the admin API's bearer token off the network in clear text: a non-loopback admin address
 * is accepted only when the API will speak HTTPS (a certificate was given). Stateless.
 */
final class AdminGuard {
    private AdminGuard() {}

    static void checkExposure(InetSocketAddress adminBind, ServeSecurity security) {
        if (!adminBind.getAddress().isLoopbackAddress() && !security.hasCertificate()) {
            throw new IllegalArgumentException("the admin API would listen on " + HostPort.format(adminBind)
                    + " in clear text, exposing its token; bind it to loopback (--admin 127.0.0.1:PORT) or give"
                    + " --tls-cert FILE --tls-key FILE to serve it over HTTPS");
        }
    }
}
