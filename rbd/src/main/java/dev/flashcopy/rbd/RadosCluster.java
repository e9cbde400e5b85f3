package dev.flashcopy.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection to a Ceph cluster ({@code rados_t}), as a cephx user, configured from a {@code ceph.conf}. Open
 * {@link Pool}s from it; close them (and their images) before closing the cluster.
 *
 * <p>Thread-safe: librados serialises what it must; {@link #close()} runs {@code rados_shutdown} once.
 */
public final class RadosCluster implements AutoCloseable {
    private final MemorySegment handle;
    private final String user;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RadosCluster(MemorySegment handle, String user) {
        this.handle = handle;
        this.user = user;
    }

    /**
     * Connects as {@code client.USER} using {@code conf} (monitors, keyring). {@code mountTimeout} bounds the wait
     * for the monitors (librados' {@code client_mount_timeout}, 300 s by default): with no monitor reachable the
     * connect fails with {@code ETIMEDOUT} after it instead of hanging.
     */
    public static RadosCluster connect(Path conf, String user, Duration mountTimeout) throws CephException {
        if (mountTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("mountTimeout: " + mountTimeout + " (expected: at least 1 s)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CephException.check(LibRados.create(out, arena.allocateFrom(user)), "rados_create", "client." + user);
            MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
            try {
                String confName = conf.toString();
                CephException.check(
                        LibRados.confReadFile(handle, arena.allocateFrom(confName)), "rados_conf_read_file", confName);
                CephException.check(
                        LibRados.confSet(
                                handle,
                                arena.allocateFrom("client_mount_timeout"),
                                arena.allocateFrom(Long.toString(mountTimeout.toSeconds()))),
                        "rados_conf_set",
                        "client_mount_timeout");
                CephException.check(LibRados.connect(handle), "rados_connect", "client." + user + " via " + confName);
            } catch (CephException | RuntimeException e) {
                LibRados.shutdown(handle);
                throw e;
            }
            return new RadosCluster(handle, user);
        }
    }

    /** An I/O context on the pool {@code name}; ENOENT when there is no such pool. */
    public Pool openPool(String name) throws CephException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CephException.check(
                    LibRados.ioctxCreate(handle, arena.allocateFrom(name), out), "rados_ioctx_create", name);
            return new Pool(out.get(ValueLayout.ADDRESS, 0), name);
        }
    }

    /** The cephx user this connection authenticated as, without the {@code client.} prefix. */
    public String user() {
        return user;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("cluster connection of client." + user + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LibRados.shutdown(handle);
        }
    }
}
