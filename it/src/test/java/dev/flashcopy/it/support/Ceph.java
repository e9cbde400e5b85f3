package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The test cluster as the RBD-backed integration tests reach it: the {@code ceph.conf} that {@code bin/ceph-dev up}
 * wrote ({@code CEPH_CONF}, exported by bin/test, else its default place), the pool {@code rbd}, and the {@code rbd}
 * command for looking at images from outside the server. No cluster is a failure, never a skip.
 */
public final class Ceph {
    public static final String POOL = "rbd";

    private Ceph() {}

    public static Path conf() {
        String conf = System.getenv("CEPH_CONF");
        if (conf == null || conf.isBlank()) {
            conf = System.getenv().getOrDefault("FLASHCOPY_CEPH_DIR", "/tmp/flashcopy-ceph") + "/ceph.conf";
        }
        Path path = Path.of(conf);
        if (!Files.isReadable(path)) {
            fail("no Ceph cluster for the RBD tests: " + path + " does not exist; run bin/ceph-dev up (bin/test does)");
        }
        return path;
    }

    /** The {@code serve} arguments for volumes in the test pool. */
    public static String[] storeArgs() {
        return storeArgs(POOL);
    }

    /** The {@code serve} arguments for volumes in {@code pool}. */
    public static String[] storeArgs(String pool) {
        return new String[] {"--store", "rbd:" + pool, "--ceph-conf", conf().toString()};
    }

    /**
     * Creates {@code pool} for RBD unless it exists: a test whose servers must be alone on their store (one owns a
     * pool's store) runs in a pool of its own. Idempotent, a few seconds the first time.
     */
    public static void ensurePool(String pool) {
        Path conf = conf();
        Command.ok(Duration.ofSeconds(60), "ceph", "-c", conf.toString(), "osd", "pool", "create", pool, "8", "8");
        Command.ok(
                Duration.ofSeconds(60),
                "ceph",
                "-c",
                conf.toString(),
                "osd",
                "pool",
                "application",
                "enable",
                pool,
                "rbd");
        Command.ok(Duration.ofSeconds(60), "rbd", "-c", conf.toString(), "pool", "init", pool);
    }

    /** A volume name no other run uses: every run shares the pool, and {@code mkvol NAME} makes {@code rbd/NAME}. */
    public static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime(), 36);
    }

    /** Removes {@code pool} with everything in it (the test cluster allows it); best effort. */
    public static void removePool(String pool) {
        Command.run(
                Duration.ofSeconds(60),
                "ceph",
                "-c",
                conf().toString(),
                "osd",
                "pool",
                "rm",
                pool,
                pool,
                "--yes-i-really-really-mean-it");
    }

    /** Runs {@code rbd -c CONF ARGS}. */
    public static Command.Result rbd(String... args) {
        List<String> cmd = new ArrayList<>(List.of("rbd", "-c", conf().toString()));
        cmd.addAll(List.of(args));
        return Command.run(Duration.ofSeconds(120), cmd.toArray(String[]::new));
    }

    /** Runs {@code ceph -c CONF ARGS}. */
    public static Command.Result ceph(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ceph", "-c", conf().toString()));
        cmd.addAll(List.of(args));
        return Command.run(Duration.ofSeconds(120), cmd.toArray(String[]::new));
    }

    /** Runs {@code rados -c CONF -p POOL ARGS}: objects the server keeps, seen from outside it. */
    public static Command.Result rados(String pool, String... args) {
        List<String> cmd = new ArrayList<>(List.of("rados", "-c", conf().toString(), "-p", pool));
        cmd.addAll(List.of(args));
        return Command.run(Duration.ofSeconds(120), cmd.toArray(String[]::new));
    }

    /**
     * A pool of its own for a test whose store must not meet other tests' (one server owns a pool's store, and a
     * test that damages metadata must not leave it to the next): created for RBD, deleted with everything in it on
     * {@link AutoCloseable#close()}.
     */
    public static AutoCloseable pool(String name) {
        ensurePool(name);
        return () -> removePool(name);
    }
}
