package dev.flashcopy.tools.cli;

import dev.flashcopy.tools.serve.StoreChoice;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --store file|rbd:POOL}, {@code --ceph-conf} and {@code --ceph-user}: where a server's volumes and metadata
 * live, shared by {@code serve} and {@code fsck} as a picocli mixin so both read a store the same way. Not
 * thread-safe; one per command.
 */
public final class StoreOptions {
    @Option(
            names = "--store",
            paramLabel = "file|rbd:POOL",
            defaultValue = "file",
            description = "where volumes live: 'file' (default: sparse images under DATA/volumes) or 'rbd:POOL'"
                    + " (RBD images in the Ceph pool POOL; see --ceph-conf, --ceph-user)")
    String store;

    @Option(
            names = "--ceph-conf",
            paramLabel = "FILE",
            description = "with --store rbd:POOL: the cluster's configuration file (default: $CEPH_CONF when set,"
                    + " as for the ceph and rbd commands, else /etc/ceph/ceph.conf)")
    Path cephConf;

    @Option(
            names = "--ceph-user",
            paramLabel = "NAME",
            description = "with --store rbd:POOL: the cephx user, without 'client.' (default: admin);"
                    + " it needs mon 'profile rbd' osd 'profile rbd pool=POOL'")
    String cephUser;

    /** The store the options name; a mistake is a usage error naming the option. */
    public StoreChoice choice() {
        try {
            return StoreChoice.parse(store, cephConf, cephUser, System.getenv("CEPH_CONF"));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCode.USAGE, e.getMessage());
        }
    }
}
