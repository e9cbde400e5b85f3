package dev.flashcopy.rbd;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * FFM downcalls into {@code librados.so.2} for ownership between clients ({@code rados/librados.h}): advisory object
 * locks with an expiry ({@code cls_lock}, judged by the OSD's clock), this client's address and instance id, the
 * blocklist that fences another client, and monitor commands. Same conventions as {@link LibRados}: opaque handles,
 * 0 or a count on success, a negative errno otherwise.
 *
 * <p>Thread-safe: method handles are immutable.
 */
final class LibRadosLocks {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    private static final SymbolLookup LIB = LibRados.load(LibRados.SONAME, "librados2");

    private static final MethodHandle LOCK_EXCLUSIVE = bind(
            "rados_lock_exclusive", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR, PTR, ValueLayout.JAVA_BYTE));
    private static final MethodHandle UNLOCK = bind("rados_unlock", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR));
    private static final MethodHandle LIST_LOCKERS = bind(
            "rados_list_lockers",
            FunctionDescriptor.of(LONG, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR));
    private static final MethodHandle BREAK_LOCK =
            bind("rados_break_lock", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR, PTR));
    private static final MethodHandle GETADDRS = bind("rados_getaddrs", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle GET_INSTANCE_ID = bind("rados_get_instance_id", FunctionDescriptor.of(LONG, PTR));
    // Pacific renamed rados_blacklist_add; an older library has only the old name, with the same signature.
    private static final MethodHandle BLOCKLIST_ADD =
            bindEither("rados_blocklist_add", "rados_blacklist_add", FunctionDescriptor.of(INT, PTR, PTR, INT));
    private static final MethodHandle MON_COMMAND =
            bind("rados_mon_command", FunctionDescriptor.of(INT, PTR, PTR, LONG, PTR, LONG, PTR, PTR, PTR, PTR));
    private static final MethodHandle PG_COMMAND =
            bind("rados_pg_command", FunctionDescriptor.of(INT, PTR, PTR, PTR, LONG, PTR, LONG, PTR, PTR, PTR, PTR));
    private static final MethodHandle BUFFER_FREE = bind("rados_buffer_free", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle FREE = Linker.nativeLinker()
            .downcallHandle(
                    Linker.nativeLinker().defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(PTR));

    /** {@code LIBRADOS_LOCK_FLAG_MUST_RENEW}: renew the caller's own lock; ENOENT when it no longer holds it. */
    static final byte LOCK_FLAG_MUST_RENEW = 2;

    private LibRadosLocks() {}

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol =
                LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(LibRados.SONAME + " has no " + name));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor);
    }

    private static MethodHandle bindEither(String name, String olderName, FunctionDescriptor descriptor) {
        return LIB.find(name).isPresent() ? bind(name, descriptor) : bind(olderName, descriptor);
    }

    /** {@code duration} is a {@code struct timeval} (two longs); the lock is kept by {@code (client, cookie)}. */
    static int lockExclusive(
            MemorySegment ioctx,
            MemorySegment oid,
            MemorySegment name,
            MemorySegment cookie,
            MemorySegment description,
            MemorySegment duration,
            byte flags) {
        try {
            return (int) LOCK_EXCLUSIVE.invokeExact(ioctx, oid, name, cookie, description, duration, flags);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int unlock(MemorySegment ioctx, MemorySegment oid, MemorySegment name, MemorySegment cookie) {
        try {
            return (int) UNLOCK.invokeExact(ioctx, oid, name, cookie);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /**
     * The lockers' clients, cookies and addresses, each list NUL-separated in its buffer; every {@code *Len} cell
     * (a {@code size_t}) holds its buffer's size and comes back with the size needed. Returns the number of lockers,
     * or -ERANGE when a buffer was too small.
     */
    static long listLockers(
            MemorySegment ioctx,
            MemorySegment oid,
            MemorySegment name,
            MemorySegment exclusiveOut,
            MemorySegment tag,
            MemorySegment tagLen,
            MemorySegment clients,
            MemorySegment clientsLen,
            MemorySegment cookies,
            MemorySegment cookiesLen,
            MemorySegment addrs,
            MemorySegment addrsLen) {
        try {
            return (long) LIST_LOCKERS.invokeExact(
                    ioctx,
                    oid,
                    name,
                    exclusiveOut,
                    tag,
                    tagLen,
                    clients,
                    clientsLen,
                    cookies,
                    cookiesLen,
                    addrs,
                    addrsLen);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int breakLock(
            MemorySegment ioctx, MemorySegment oid, MemorySegment name, MemorySegment client, MemorySegment cookie) {
        try {
            return (int) BREAK_LOCK.invokeExact(ioctx, oid, name, client, cookie);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /** Stores a {@code strdup}ed string in {@code addrsOut}; free it with {@link #free}. */
    static int getaddrs(MemorySegment cluster, MemorySegment addrsOut) {
        try {
            return (int) GETADDRS.invokeExact(cluster, addrsOut);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static long instanceId(MemorySegment cluster) {
        try {
            return (long) GET_INSTANCE_ID.invokeExact(cluster);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /** Returns once the OSD map that carries the entry is the client's latest; 0 seconds means Ceph's default. */
    static int blocklistAdd(MemorySegment cluster, MemorySegment address, int expireSeconds) {
        try {
            return (int) BLOCKLIST_ADD.invokeExact(cluster, address, expireSeconds);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /** {@code commands} is a {@code const char **} of {@code count} JSON strings; outputs are freed by the caller. */
    static int monCommand(
            MemorySegment cluster,
            MemorySegment commands,
            long count,
            MemorySegment outbufOut,
            MemorySegment outbufLenOut,
            MemorySegment statusOut,
            MemorySegment statusLenOut) {
        try {
            return (int) MON_COMMAND.invokeExact(
                    cluster, commands, count, MemorySegment.NULL, 0L, outbufOut, outbufLenOut, statusOut, statusLenOut);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /** Like {@link #monCommand}, sent to the primary OSD of the placement group {@code pg} ({@code ceph pg PG ...}). */
    static int pgCommand(
            MemorySegment cluster,
            MemorySegment pg,
            MemorySegment commands,
            long count,
            MemorySegment outbufOut,
            MemorySegment outbufLenOut,
            MemorySegment statusOut,
            MemorySegment statusLenOut) {
        try {
            return (int) PG_COMMAND.invokeExact(
                    cluster,
                    pg,
                    commands,
                    count,
                    MemorySegment.NULL,
                    0L,
                    outbufOut,
                    outbufLenOut,
                    statusOut,
                    statusLenOut);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /** Frees what librados allocated for a mon command's output. */
    static void bufferFree(MemorySegment buffer) {
        try {
            BUFFER_FREE.invokeExact(buffer);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /** Frees a {@code strdup}ed string ({@code rados_getaddrs}' result). */
    static void free(MemorySegment pointer) {
        try {
            FREE.invokeExact(pointer);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }
}
