package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Test certificates made by {@code bin/make-test-certs} (openssl): a CA, a server certificate for
 * 127.0.0.1, and client directories laid out as libnbd and qemu expect them. Immutable.
 */
public record Pki(Path dir) {
    public static Pki create(Path dir) {
        Command.Result r = Command.run(Duration.ofSeconds(120), Repo.root().resolve("bin/make-test-certs").toString(),
                dir.toString());
        assertEquals(0, r.exit(), "bin/make-test-certs failed: " + r.err());
        return new Pki(dir);
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

    /** {@code client} (signed by the CA), {@code rogue} (another CA) or {@code anonymous} (no certificate). */
    public Path client(String which) {
        return dir.resolve(which);
    }
}
