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

    /**
     * {@code --store rbd:POOL}.
     *
     * @param cephConfNamedBy how the configuration file was chosen, for messages about it: {@code --ceph-conf FILE},
     *     {@code CEPH_CONF=FILE (...)} or the default
     */
    record Rbd(String pool, Path cephConf, String cephUser, String cephConfNamedBy) implements StoreChoice {
        /** The options that name this store on a command line, the defaults left out: for advice to repeat. */
        public String options() {
            return "--store rbd:" + pool
                    + (cephConf.equals(DEFAULT_CEPH_CONF) ? "" : " --ceph-conf " + cephConf)
                    + (cephUser.equals(DEFAULT_CEPH_USER) ? "" : " --ceph-user " + cephUser);
        }
    }

    /**
     * Parses {@code --store}: {@code file} or {@code rbd:POOL}; an IllegalArgumentException names the option and says
     * what to give. {@code cephConf} and {@code cephUser} are null when not given; the configuration file then comes
     * from {@code envCephConf} (the {@code CEPH_CONF} variable, which the {@code ceph} and {@code rbd} commands
     * honour too) or the default. Either given with the file store is a mistake, not something to ignore.
     */
    public static StoreChoice parse(String value, Path cephConf, String cephUser, String envCephConf) {
        if (value == null || value.equals("file")) {
            String given = cephConf != null ? "--ceph-conf" : cephUser != null ? "--ceph-user" : null;
            if (given != null) {
                throw new IllegalArgumentException(given + " applies only to --store rbd:POOL (this server's store is"
                        + " 'file', images under DATA/volumes): add --store rbd:POOL or leave " + given + " out");
            }
            return new Files();
        }
        if (value.startsWith("rbd:")) {
            String pool = value.substring("rbd:".length());
            if (!pool.matches("[A-Za-z0-9_.-]{1,128}")) {
                throw new IllegalArgumentException("--store " + value + ": '" + pool + "' is not a pool name"
                        + " (expected: rbd:POOL, e.g. rbd:rbd; letters, digits, '.', '_' and '-')");
            }
            String user = cephUser == null ? DEFAULT_CEPH_USER : cephUser;
            if (user.startsWith("client.")) {
                user = user.substring("client.".length());
            }
            if (cephConf != null) {
                return new Rbd(pool, cephConf, user, "--ceph-conf " + cephConf);
            }
            if (envCephConf != null && !envCephConf.isBlank()) {
                return new Rbd(
                        pool,
                        Path.of(envCephConf),
                        user,
                        "CEPH_CONF=" + envCephConf + " (the environment's, used when --ceph-conf is not given)");
            }
            return new Rbd(pool, DEFAULT_CEPH_CONF, user, "--ceph-conf " + DEFAULT_CEPH_CONF + " (the default)");
        }
        throw new IllegalArgumentException(
                "--store " + value + ": unknown store (expected: file, or rbd:POOL for RBD images in a Ceph pool)");
    }
}
