package dev.flashcopy.nbd.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI made by the repository's {@code bin/make-test-certs} (openssl): CA, server certificate
 * for 127.0.0.1, and client directories laid out as libnbd and qemu expect them: a good client, a rogue
 * client signed by another CA, an anonymous one without a certificate. Used by nbd-server's tests and by
 * the integration tests. Immutable.
 */
public record TestCertificates(Path dir) {
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        Path script = script();
        Process p = new ProcessBuilder(script.toString(), dir.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(dir.resolve("server-cert.pem"))) {
            throw new IOException("bin/make-test-certs failed: " + output);
        }
        return new TestCertificates(dir);
    }

    /**
     * {@code bin/make-test-certs} in the checkout: above {@code flashcopy.home} when set (the integration
     * tests set it), else above the working directory (a module directory under Maven).
     */
    private static Path script() throws IOException {
        String home = System.getProperty("flashcopy.home");
        Path start =
                (home != null ? Path.of(home) : Path.of("")).toAbsolutePath().normalize();
        for (Path p = start; p != null; p = p.getParent()) {
            Path script = p.resolve("bin").resolve("make-test-certs");
            if (Files.isExecutable(script)) {
                return script;
            }
        }
        throw new IOException("no executable bin/make-test-certs in " + start + " or above");
    }

    public Path serverCert() {
        return dir.resolve("server-cert.pem");
    }

    public Path serverKey() {
        return dir.resolve("server-key.pem");
    }

    /** A server certificate that is valid as a client's too: for servers that forward to each other. */
    public Path peerCert() {
        return dir.resolve("peer-cert.pem");
    }

    public Path peerKey() {
        return dir.resolve("peer-key.pem");
    }

    public Path ca() {
        return dir.resolve("ca-cert.pem");
    }

    /** {@code client} (signed by the CA), {@code rogue} (another CA) or {@code anonymous} (no certificate). */
    public Path clientDir(String which) {
        return dir.resolve(which);
    }
}
