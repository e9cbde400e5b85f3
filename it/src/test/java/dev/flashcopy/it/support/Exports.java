package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The oracle's measuring stick: sha256 of a whole export, read by a real client, or of a file. */
public final class Exports {
    private Exports() {}

    /** sha256 of every byte of the export, read with {@code nbdcopy URI -}. */
    public static String sha256(String uri) {
        ProcessBuilder pb = new ProcessBuilder("nbdcopy", uri, "-");
        pb.environment().putAll(Command.ENV);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
                try (InputStream e = p.getErrorStream()) {
                    return new String(e.readAllBytes());
                } catch (IOException ex) {
                    return "";
                }
            });
            String hash = digest(p.getInputStream());
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("nbdcopy " + uri + " did not finish");
            }
            assertEquals(0, p.exitValue(), () -> "nbdcopy " + uri + " failed: " + err.join());
            return hash;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * sha256 of the export from the first whole read of it that succeeds within {@code bound}: while a store changes
     * hands, a read may fail (a standby still forwarding to the owner that died) until the survivor serves it.
     */
    public static String sha256WhenServed(String uri, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            try {
                return sha256(uri);
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    return fail("no whole read of " + uri + " within " + bound + ": " + e.getMessage());
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** sha256 of bytes {@code [offset, offset + length)} of the export, read with one {@code nbdsh} pread. */
    public static String sha256(String uri, long offset, long length) {
        String py = "import hashlib; print(hashlib.sha256(h.pread(" + length + ", " + offset + ")).hexdigest())";
        return Command.ok(Duration.ofSeconds(120), "nbdsh", "-u", uri, "-c", py).trim();
    }

    /** sha256 of {@code bytes}, as the export hashes print it. */
    public static String sha256(byte[] bytes) {
        return sha256(new ByteArrayInputStream(bytes));
    }

    private static String sha256(InputStream in) {
        try {
            return digest(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return digest(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String digest(InputStream in) throws IOException {
        try (in) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
