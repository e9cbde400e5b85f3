package dev.flashcopy.it.support;

/**
 * A pool of a test's own, initialised for RBD and removed (with everything in it) on {@link #close()}: for what may
 * not touch the shared pool {@code rbd} (a full pool, caps limited to one pool). Not thread-safe.
 */
public final class CephPool implements AutoCloseable {
    private final String name;

    private CephPool(String name) {
        this.name = name;
    }

    /** Creates a pool named {@code PREFIX-UNIQUE} with 8 placement groups and runs {@code rbd pool init} on it. */
    public static CephPool create(String prefix) {
        String name = Ceph.unique(prefix);
        Ceph.ceph("osd", "pool", "create", name, "8", "8").ok();
        CephPool pool = new CephPool(name);
        try {
            Ceph.rbd("pool", "init", name).ok();
        } catch (AssertionError e) {
            pool.close();
            throw e;
        }
        return pool;
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        Ceph.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it");
    }
}
