package dev.flashcopy.rbd;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * FFM downcalls into {@code librados.so.2} (Ceph pacific's C API, {@code rados/librados.h}): the cluster handle,
 * pool I/O contexts, whole-object and positional object I/O, the compound write operations that carry a version guard,
 * zero a range or set and remove omap keys, and the compound read operation that lists omap entries. Handles ({@code rados_t},
 * {@code rados_ioctx_t}, {@code rados_write_op_t}) are opaque pointers. Calls return 0 or a byte count, or a
 * negative errno; the callers turn that into a {@link CephException}. Linux x86_64/aarch64 only.
 *
 * <p>Thread-safe: method handles are immutable; librados itself is thread-safe per handle.
 */
final class LibRados {
    static final String SONAME = "librados.so.2";

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    private static final SymbolLookup LIB = load(SONAME, "librados2");

    private static final MethodHandle CREATE = bind("rados_create", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle CONF_READ_FILE =
            bind("rados_conf_read_file", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle CONF_SET = bind("rados_conf_set", FunctionDescriptor.of(INT, PTR, PTR, PTR));
    private static final MethodHandle CONNECT = bind("rados_connect", FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle SHUTDOWN = bind("rados_shutdown", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle IOCTX_CREATE =
            bind("rados_ioctx_create", FunctionDescriptor.of(INT, PTR, PTR, PTR));
    private static final MethodHandle IOCTX_DESTROY = bind("rados_ioctx_destroy", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle SET_POOL_FULL_TRY =
            bind("rados_set_pool_full_try", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle READ = bind("rados_read", FunctionDescriptor.of(INT, PTR, PTR, PTR, LONG, LONG));
    private static final MethodHandle STAT = bind("rados_stat", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR));
    private static final MethodHandle REMOVE = bind("rados_remove", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle GET_LAST_VERSION =
            bind("rados_get_last_version", FunctionDescriptor.of(LONG, PTR));
    private static final MethodHandle CREATE_WRITE_OP = bind("rados_create_write_op", FunctionDescriptor.of(PTR));
    private static final MethodHandle RELEASE_WRITE_OP = bind("rados_release_write_op", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle WRITE_OP_ASSERT_EXISTS =
            bind("rados_write_op_assert_exists", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle WRITE_OP_ASSERT_VERSION =
            bind("rados_write_op_assert_version", FunctionDescriptor.ofVoid(PTR, LONG));
    private static final MethodHandle WRITE_OP_CREATE =
            bind("rados_write_op_create", FunctionDescriptor.ofVoid(PTR, INT, PTR));
    private static final MethodHandle WRITE_OP_WRITE_FULL =
            bind("rados_write_op_write_full", FunctionDescriptor.ofVoid(PTR, PTR, LONG));
    private static final MethodHandle WRITE_OP_OPERATE =
            bind("rados_write_op_operate", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, INT));

    private static final MethodHandle WRITE_OP_WRITE =
            bind("rados_write_op_write", FunctionDescriptor.ofVoid(PTR, PTR, LONG, LONG));
    private static final MethodHandle WRITE_OP_APPEND =
            bind("rados_write_op_append", FunctionDescriptor.ofVoid(PTR, PTR, LONG));
    private static final MethodHandle WRITE_OP_ZERO =
            bind("rados_write_op_zero", FunctionDescriptor.ofVoid(PTR, LONG, LONG));
    private static final MethodHandle WRITE_OP_TRUNCATE =
            bind("rados_write_op_truncate", FunctionDescriptor.ofVoid(PTR, LONG));
    private static final MethodHandle WRITE_OP_OMAP_SET =
            bind("rados_write_op_omap_set", FunctionDescriptor.ofVoid(PTR, PTR, PTR, PTR, LONG));
    private static final MethodHandle WRITE_OP_OMAP_RM_KEYS =
            bind("rados_write_op_omap_rm_keys", FunctionDescriptor.ofVoid(PTR, PTR, LONG));
    private static final MethodHandle CREATE_READ_OP = bind("rados_create_read_op", FunctionDescriptor.of(PTR));
    private static final MethodHandle RELEASE_READ_OP = bind("rados_release_read_op", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle READ_OP_OMAP_GET_VALS2 =
            bind("rados_read_op_omap_get_vals2", FunctionDescriptor.ofVoid(PTR, PTR, PTR, LONG, PTR, PTR, PTR));
    private static final MethodHandle READ_OP_OPERATE =
            bind("rados_read_op_operate", FunctionDescriptor.of(INT, PTR, PTR, PTR, INT));
    private static final MethodHandle OMAP_GET_NEXT =
            bind("rados_omap_get_next", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR));
    private static final MethodHandle OMAP_GET_END = bind("rados_omap_get_end", FunctionDescriptor.ofVoid(PTR));

    /** {@code LIBRADOS_OPERATION_FULL_TRY}: on a full pool, fail a write that needs space with ENOSPC, not wait. */
    static final int OPERATION_FULL_TRY = 64;
    /** {@code LIBRADOS_OPERATION_FULL_FORCE}: write even on a full pool (short of the OSDs' fail-safe ratio). */
    static final int OPERATION_FULL_FORCE = 128;

    /** {@code rados_write_op_create}: fail with EEXIST when the object exists. */
    static final int CREATE_EXCLUSIVE = 1;
    /** {@code rados_write_op_create}: create the object when absent, leave it alone when present. */
    static final int CREATE_IDEMPOTENT = 0;

    private LibRados() {}

    /** Loads a shared library by soname for the life of the JVM; a clear error names the package to install. */
    static SymbolLookup load(String soname, String debianPackage) {
        try {
            return SymbolLookup.libraryLookup(soname, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError(soname + " not found: install Debian's " + debianPackage + " package");
        }
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(SONAME + " has no " + name));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor);
    }

    static int create(MemorySegment clusterOut, MemorySegment id) {
        try {
            return (int) CREATE.invokeExact(clusterOut, id);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int confReadFile(MemorySegment cluster, MemorySegment path) {
        try {
            return (int) CONF_READ_FILE.invokeExact(cluster, path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int confSet(MemorySegment cluster, MemorySegment option, MemorySegment value) {
        try {
            return (int) CONF_SET.invokeExact(cluster, option, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int connect(MemorySegment cluster) {
        try {
            return (int) CONNECT.invokeExact(cluster);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void shutdown(MemorySegment cluster) {
        try {
            SHUTDOWN.invokeExact(cluster);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ioctxCreate(MemorySegment cluster, MemorySegment pool, MemorySegment ioctxOut) {
        try {
            return (int) IOCTX_CREATE.invokeExact(cluster, pool, ioctxOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Marks every operation sent through {@code ioctx} (and the contexts librbd copies from it) FULL_TRY: on a full
     * pool or cluster the OSD answers a write that needs space with ENOSPC (EDQUOT under a pool quota) instead of
     * the client holding it until space appears; writes that need none (an overwrite, a lock renewal) still go.
     */
    static void setPoolFullTry(MemorySegment ioctx) {
        try {
            SET_POOL_FULL_TRY.invokeExact(ioctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void ioctxDestroy(MemorySegment ioctx) {
        try {
            IOCTX_DESTROY.invokeExact(ioctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int read(MemorySegment ioctx, MemorySegment oid, MemorySegment buf, long len, long offset) {
        try {
            return (int) READ.invokeExact(ioctx, oid, buf, len, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sizeOut} is a {@code uint64_t}, {@code mtimeOut} a {@code time_t} (both 8 bytes here). */
    static int stat(MemorySegment ioctx, MemorySegment oid, MemorySegment sizeOut, MemorySegment mtimeOut) {
        try {
            return (int) STAT.invokeExact(ioctx, oid, sizeOut, mtimeOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int remove(MemorySegment ioctx, MemorySegment oid) {
        try {
            return (int) REMOVE.invokeExact(ioctx, oid);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The object version the I/O context's last completed operation saw or produced. */
    static long lastVersion(MemorySegment ioctx) {
        try {
            return (long) GET_LAST_VERSION.invokeExact(ioctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createWriteOp() {
        try {
            return (MemorySegment) CREATE_WRITE_OP.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void releaseWriteOp(MemorySegment op) {
        try {
            RELEASE_WRITE_OP.invokeExact(op);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The op fails with ENOENT when the object does not exist. */
    static void writeOpAssertExists(MemorySegment op) {
        try {
            WRITE_OP_ASSERT_EXISTS.invokeExact(op);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The op fails with ERANGE when the object's version is newer, EOVERFLOW when older (an absent object is 0). */
    static void writeOpAssertVersion(MemorySegment op, long version) {
        try {
            WRITE_OP_ASSERT_VERSION.invokeExact(op, version);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void writeOpCreate(MemorySegment op, int exclusive) {
        try {
            WRITE_OP_CREATE.invokeExact(op, exclusive, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void writeOpWrite(MemorySegment op, MemorySegment buf, long len, long offset) {
        try {
            WRITE_OP_WRITE.invokeExact(op, buf, len, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void writeOpAppend(MemorySegment op, MemorySegment buf, long len) {
        try {
            WRITE_OP_APPEND.invokeExact(op, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void writeOpWriteFull(MemorySegment op, MemorySegment buf, long len) {
        try {
            WRITE_OP_WRITE_FULL.invokeExact(op, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Runs the compound write {@code op} on the object; 0 or -errno. Every one carries FULL_FORCE: the writes of this
     * binding's objects are the store's metadata, a few KiB at a time, and they must land on a full pool or cluster
     * (as CephFS's metadata does) so that the engine can still record what the full pool did to a relationship, and
     * renew its leases. Image data, which needs the space, carries only FULL_TRY (see {@link #setPoolFullTry}).
     */
    static int writeOpOperate(MemorySegment op, MemorySegment ioctx, MemorySegment oid) {
        try {
            return (int) WRITE_OP_OPERATE.invokeExact(
                    op, ioctx, oid, MemorySegment.NULL, OPERATION_FULL_TRY | OPERATION_FULL_FORCE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void writeOpZero(MemorySegment op, long offset, long len) {
        try {
            WRITE_OP_ZERO.invokeExact(op, offset, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void writeOpTruncate(MemorySegment op, long size) {
        try {
            WRITE_OP_TRUNCATE.invokeExact(op, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code keys} and {@code vals} are arrays of {@code char *}, {@code lens} of {@code size_t}; librados copies. */
    static void writeOpOmapSet(MemorySegment op, MemorySegment keys, MemorySegment vals, MemorySegment lens, long n) {
        try {
            WRITE_OP_OMAP_SET.invokeExact(op, keys, vals, lens, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void writeOpOmapRmKeys(MemorySegment op, MemorySegment keys, long n) {
        try {
            WRITE_OP_OMAP_RM_KEYS.invokeExact(op, keys, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createReadOp() {
        try {
            return (MemorySegment) CREATE_READ_OP.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void releaseReadOp(MemorySegment op) {
        try {
            RELEASE_READ_OP.invokeExact(op);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Queues a read of up to {@code max} omap entries after {@code startAfter} (empty: from the first). The
     * iterator ({@code iterOut}), the more-flag ({@code moreOut}, a byte) and the step's return value ({@code
     * rvalOut}, an int) are filled by {@link #readOpOperate}.
     */
    static void readOpOmapGetVals2(
            MemorySegment op,
            MemorySegment startAfter,
            long max,
            MemorySegment iterOut,
            MemorySegment moreOut,
            MemorySegment rvalOut) {
        try {
            READ_OP_OMAP_GET_VALS2.invokeExact(op, startAfter, MemorySegment.NULL, max, iterOut, moreOut, rvalOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int readOpOperate(MemorySegment op, MemorySegment ioctx, MemorySegment oid) {
        try {
            return (int) READ_OP_OPERATE.invokeExact(op, ioctx, oid, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The next entry: {@code keyOut} and {@code valOut} receive {@code char *} (key NULL at the end), {@code lenOut} a {@code size_t}. */
    static int omapGetNext(MemorySegment iter, MemorySegment keyOut, MemorySegment valOut, MemorySegment lenOut) {
        try {
            return (int) OMAP_GET_NEXT.invokeExact(iter, keyOut, valOut, lenOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void omapGetEnd(MemorySegment iter) {
        try {
            OMAP_GET_END.invokeExact(iter);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }
}
