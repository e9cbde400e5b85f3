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
        return new String[] {"--store", "rbd:" + POOL, "--ceph-conf", conf().toString()};
    }

    /** A volume name no other run uses: every run shares the pool, and {@code mkvol NAME} makes {@code rbd/NAME}. */
    public static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime(), 36);
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
        ceph("osd", "pool", "create", name, "8", "8").ok();
        ceph("osd", "pool", "application", "enable", name, "rbd").ok();
        rbd("pool", "init", name).ok();
        return () -> ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it");
    }
}
