package dev.flashcopy.tools.serve;

import java.nio.file.Path;

/**
 * Where {@code serve} keeps volumes ({@code --store}): sparse files under the data directory, the embedded default,
 * or RBD images in a Ceph pool reached through {@code --ceph-conf} as {@code client.--ceph-user}. Immutable.
 */
public sealed interface StoreChoice {
    /** The default configuration file and user, as the {@code rbd} and {@code ceph} commands have them. */
    Path DEFAULT_CEPH_CONF = Path.of("/etc/ceph/ceph.conf");

    String DEFAULT_CEPH_USER = "admin";

    /** {@code --store file}: images under {@code DATA/volumes}, metadata under {@code DATA/flash}. */
    record Files() implements StoreChoice {}

    /** {@code --store rbd:POOL}. */
    record Rbd(String pool, Path cephConf, String cephUser) implements StoreChoice {
        /** The options that name this store on a command line, the defaults left out: for advice to repeat. */
        public String options() {
            return "--store rbd:" + pool
                    + (cephConf.equals(DEFAULT_CEPH_CONF) ? "" : " --ceph-conf " + cephConf)
                    + (cephUser.equals(DEFAULT_CEPH_USER) ? "" : " --ceph-user " + cephUser);
        }
    }

    /**
     * Parses {@code --store}: {@code file} or {@code rbd:POOL}; an IllegalArgumentException names the option and says
     * what to give.
     */
    public static StoreChoice parse(String value, Path cephConf, String cephUser) {
        if (value == null || value.equals("file")) {
            return new Files();
        }
        if (value.startsWith("rbd:")) {
            String pool = value.substring("rbd:".length());
            if (!pool.matches("[A-Za-z0-9_.-]{1,128}")) {
                throw new IllegalArgumentException("--store " + value + ": '" + pool + "' is not a pool name"
                        + " (expected: rbd:POOL, e.g. rbd:rbd; letters, digits, '.', '_' and '-')");
            }
            if (cephUser.startsWith("client.")) {
                cephUser = cephUser.substring("client.".length());
            }
            return new Rbd(pool, cephConf, cephUser);
        }
        throw new IllegalArgumentException(
                "--store " + value + ": unknown store (expected: file, or rbd:POOL for RBD images in a Ceph pool)");
    }
}
