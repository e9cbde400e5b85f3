package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The test cluster as the RBD-backed integration tests reach it: the {@code ceph.conf} that {@code bin/ceph-dev up}
 * wrote ({@code CEPH_CONF}, exported by bin/test, else its default place), the pool {@code rbd}, and the {@code rbd}
 * and {@code ceph} commands for looking at it from outside the server. No cluster is a failure, never a skip.
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

    /** The cluster's directory: {@code bin/ceph-dev}'s {@code FLASHCOPY_CEPH_DIR}, where {@code ceph.conf} lives. */
    public static Path dir() {
        return conf().toAbsolutePath().getParent();
    }

    /** The {@code serve} arguments for volumes in the test pool. */
    public static String[] storeArgs() {
        return storeArgs(POOL);
    }

    /** The {@code serve} arguments for volumes in {@code pool}. */
    public static String[] storeArgs(String pool) {
        return new String[] {"--store", "rbd:" + pool, "--ceph-conf", conf().toString()};
    }

    /** {@link #storeArgs(String)} for one of several servers on the pool, under {@code serverName}. */
    public static String[] serverArgs(String pool, String serverName) {
        List<String> a = new ArrayList<>(List.of(storeArgs(pool)));
        a.addAll(List.of("--server-name", serverName));
        return a.toArray(String[]::new);
    }

    /** A volume name no other run uses: every run shares the pool, and {@code mkvol NAME} makes {@code rbd/NAME}. */
    public static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime(), 36);
    }

    /** Runs {@code rbd -c CONF ARGS}. */
    public static Command.Result rbd(String... args) {
        return tool("rbd", args);
    }

    /** Runs {@code ceph -c CONF ARGS} (as the cluster's admin). */
    public static Command.Result ceph(String... args) {
        return tool("ceph", args);
    }

    private static Command.Result tool(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool, "-c", conf().toString()));
        cmd.addAll(List.of(args));
        return Command.run(Duration.ofSeconds(120), cmd.toArray(String[]::new));
    }

    /** Runs {@code bin/ceph-dev ARGS} on this cluster's directory ({@code up}, {@code down --keep}). */
    public static Command.Result dev(String... args) {
        List<String> cmd =
                new ArrayList<>(List.of(Repo.root().resolve("bin/ceph-dev").toString()));
        cmd.addAll(List.of(args));
        return Command.runWith(
                Duration.ofSeconds(180),
                Map.of("FLASHCOPY_CEPH_DIR", dir().toString()),
                null,
                cmd.toArray(String[]::new));
    }

    /** The pid of the cluster's one OSD, from the pid file {@code bin/ceph-dev} keeps. */
    public static long osdPid() {
        try {
            return Long.parseLong(
                    Files.readString(dir().resolve("run/osd.0.pid")).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates {@code pool} for RBD unless it exists: a test whose servers must be alone on their store (one owns a
     * pool's store) runs in a pool of its own. Idempotent, a few seconds the first time. {@link CephPool} makes and
     * removes one around a test.
     */
    public static void ensurePool(String pool) {
        ceph("osd", "pool", "create", pool, "8", "8").ok();
        ceph("osd", "pool", "application", "enable", pool, "rbd").ok();
        rbd("pool", "init", pool).ok();
    }

    /** Removes {@code pool} with everything in it (the test cluster allows it); best effort. */
    public static void removePool(String pool) {
        ceph("osd", "pool", "rm", pool, pool, "--yes-i-really-really-mean-it");
    }

    /** Runs {@code rados -c CONF -p POOL ARGS}: objects the server keeps, seen from outside it. */
    public static Command.Result rados(String pool, String... args) {
        List<String> all = new ArrayList<>(List.of("-p", pool));
        all.addAll(List.of(args));
        return tool("rados", all.toArray(String[]::new));
    }
}
