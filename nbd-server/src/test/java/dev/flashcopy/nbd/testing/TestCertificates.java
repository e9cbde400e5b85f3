package dev.flashcopy.nbd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI made by the repository's {@code bin/make-test-certs} (openssl): CA, server
 * certificate for 127.0.0.1, a good client, a rogue client signed by another CA. Immutable.
 */
public record TestCertificates(Path dir) {
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        Path script = Path.of("..", "bin", "make-test-certs").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(script.toString(), dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(dir.resolve("server-cert.pem"))) {
            throw new IOException("bin/make-test-certs failed: " + output);
        }
        return new TestCertificates(dir);
    }

    public Path serverCert() {
        return dir.resolve("server-cert.pem");
    }

    public Path serverKey() {
        return dir.resolve("server-key.pem");
    }

    public Path ca() {
        return dir.resolve("ca-cert.pem");
    }

    /** {@code client}, {@code rogue} or {@code anonymous}: a directory as libnbd and qemu expect. */
    public Path clientDir(String which) {
        return dir.resolve(which);
    }
}
