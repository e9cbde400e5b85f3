package dev.flashcopy.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One connection to a Ceph cluster ({@code rados_t}), as a cephx user, configured from a {@code ceph.conf}. Open
 * {@link Pool}s from it; close them (and their images) before closing the cluster.
 *
 * <p>Thread-safe: librados serialises what it must; {@link #close()} runs {@code rados_shutdown} once.
 */
public final class RadosCluster implements AutoCloseable {
    /**
     * One client instance's address: an optional messenger type, {@code IP:PORT}, and the nonce that tells this
     * connection apart from every other one from the same host. A blocklist entry without a nonce (or nonce 0)
     * would fence every client of that IP, other servers and other users of the machine included.
     */
    private static final Pattern CLIENT_ADDRESS = Pattern.compile("(?:(?:v1|v2|any):)?([^\\s/]+):(\\d+)/(\\d+)");

    /** How long {@link #blocklist} waits for placement groups to learn of the entry (measured: well under 1 s). */
    private static final Duration FENCE_SETTLE = Duration.ofSeconds(30);

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
                // No admin socket: every client of a ceph.conf would share one path (client.admin.asok), and all
                // but the first would log a failure to bind it on stderr, in the middle of the server's own output.
                CephException.check(
                        LibRados.confSet(handle, arena.allocateFrom("admin_socket"), arena.allocateFrom("")),
                        "rados_conf_set",
                        "admin_socket");
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

    /**
     * An I/O context on the pool {@code name}; ENOENT when there is no such pool. On a full pool (or cluster) its
     * writes, and those of the images opened through it, fail with ENOSPC (or EDQUOT, over a pool quota) rather than
     * wait, which is librados' default: a block device must tell its host "no space", not hang it.
     */
    public Pool openPool(String name) throws CephException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CephException.check(
                    LibRados.ioctxCreate(handle, arena.allocateFrom(name), out), "rados_ioctx_create", name);
            MemorySegment ioctx = out.get(ValueLayout.ADDRESS, 0);
            LibRados.setPoolFullTry(ioctx);
            return new Pool(ioctx, name);
        }
    }

    /** The cephx user this connection authenticated as, without the {@code client.} prefix. */
    public String user() {
        return user;
    }

    /**
     * This connection's address as the cluster sees it ({@code rados_getaddrs}), e.g. {@code 127.0.0.1:0/3056151276};
     * what another server passes to {@link #blocklist} to fence this one.
     */
    public String address() throws CephException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CephException.check(LibRadosLocks.getaddrs(handle, out), "rados_getaddrs", "client." + user);
            MemorySegment addrs = out.get(ValueLayout.ADDRESS, 0);
            try {
                return addrs.reinterpret(Integer.MAX_VALUE).getString(0);
            } finally {
                LibRadosLocks.free(addrs);
            }
        }
    }

    /** This connection's global id: the number in the {@code client.N} name the OSDs see. */
    public long instanceId() {
        checkOpen();
        return LibRadosLocks.instanceId(handle);
    }

    /**
     * Fences the client at {@code address} (from {@link #address} or {@link Locker#address}) for {@code expiry}: the
     * OSDs refuse every operation it sends from then on with ESHUTDOWN. Returns once every placement group of
     * {@code pool} checks clients against an OSD map that carries the entry (ETIMEDOUT if one does not within {@code
     * FENCE_SETTLE}): from then on, not one more of the client's writes lands in that pool. Only an exact client
     * address (with its nonce) is accepted, never a whole host.
     */
    public void blocklist(String address, Duration expiry, Pool pool) throws CephException {
        blocklist(address, expiry, pool, FENCE_SETTLE);
    }

    /** {@link #blocklist(String, Duration, Pool)} that waits at most {@code settle} for the pool's groups (tests). */
    void blocklist(String address, Duration expiry, Pool pool, Duration settle) throws CephException {
        checkOpen();
        requireClientAddress(address);
        long seconds = expiry.toSeconds();
        if (seconds < 1 || seconds > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("expiry: " + expiry + " (expected: 1 s or more)");
        }
        try (Arena arena = Arena.ofConfined()) {
            CephException.check(
                    LibRadosLocks.blocklistAdd(handle, arena.allocateFrom(address), (int) seconds),
                    "rados_blocklist_add",
                    address);
        }
        ClusterCommands.awaitCurrentMapInPool(handle, pool.name(), settle);
    }

    /** Lifts a fence set by {@link #blocklist} before it expires ({@code osd blocklist rm}); no entry is no error. */
    public void unblocklist(String address) throws CephException {
        checkOpen();
        requireClientAddress(address);
        ClusterCommands.mon(
                handle, "{\"prefix\": \"osd blocklist\", \"blocklistop\": \"rm\", \"addr\": \"" + address + "\"}");
    }

    /** Rejects anything but one client instance's address (see {@link #CLIENT_ADDRESS}). */
    static void requireClientAddress(String address) {
        Matcher m = CLIENT_ADDRESS.matcher(address);
        if (!m.matches() || Long.parseLong(m.group(3)) == 0) {
            throw new IllegalArgumentException(
                    "address: " + address + " (expected: one client's IP:PORT/NONCE with a non-zero nonce)");
        }
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
