package dev.flashcopy.rbd;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * FFM downcalls into {@code librbd.so.1} (Ceph pacific's C API, {@code rbd/librbd.h}): image create, remove, open
 * and close, size and resize, positional synchronous and asynchronous I/O with completions, and
 * {@code rbd_diff_iterate2}, and snapshots (create, remove, list, open one read-only). Handles ({@code rbd_image_t}, {@code rbd_completion_t}) are opaque pointers. Calls
 * return 0 or a byte count, or a negative errno. Linux x86_64/aarch64 only.
 *
 * <p>Thread-safe: method handles are immutable; librbd allows concurrent I/O on one image handle.
 */
final class LibRbd {
    static final String SONAME = "librbd.so.1";

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    /** {@code rbd_image_info_t}; the two name fields are deprecated and only sized here. */
    static final StructLayout IMAGE_INFO = MemoryLayout.structLayout(
            LONG.withName("size"),
            LONG.withName("obj_size"),
            LONG.withName("num_objs"),
            INT.withName("order"),
            MemoryLayout.sequenceLayout(24, BYTE).withName("block_name_prefix"),
            MemoryLayout.paddingLayout(4),
            LONG.withName("parent_pool"),
            MemoryLayout.sequenceLayout(96, BYTE).withName("parent_name"));

    /** {@code rbd_snap_info_t}: {@code uint64_t id; uint64_t size; const char *name}. */
    static final StructLayout SNAP_INFO =
            MemoryLayout.structLayout(LONG.withName("id"), LONG.withName("size"), PTR.withName("name"));

    /** {@code void (*rbd_callback_t)(rbd_completion_t cb, void *arg)}. */
    static final FunctionDescriptor COMPLETION_CALLBACK = FunctionDescriptor.ofVoid(PTR, PTR);
    /** {@code int (*cb)(uint64_t offset, size_t length, int exists, void *arg)} of rbd_diff_iterate2. */
    static final FunctionDescriptor DIFF_CALLBACK = FunctionDescriptor.of(INT, LONG, LONG, INT, PTR);

    private static final SymbolLookup LIB = LibRados.load(SONAME, "librbd1");

    private static final MethodHandle CREATE2 =
            bind("rbd_create2", FunctionDescriptor.of(INT, PTR, PTR, LONG, LONG, PTR));
    private static final MethodHandle REMOVE = bind("rbd_remove", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle LIST = bind("rbd_list", FunctionDescriptor.of(INT, PTR, PTR, PTR));
    private static final MethodHandle OPEN = bind("rbd_open", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR));
    private static final MethodHandle OPEN_READ_ONLY =
            bind("rbd_open_read_only", FunctionDescriptor.of(INT, PTR, PTR, PTR, PTR));
    private static final MethodHandle SNAP_CREATE = bind("rbd_snap_create", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle SNAP_REMOVE = bind("rbd_snap_remove", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle SNAP_LIST = bind("rbd_snap_list", FunctionDescriptor.of(INT, PTR, PTR, PTR));
    private static final MethodHandle SNAP_LIST_END = bind("rbd_snap_list_end", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle CLOSE = bind("rbd_close", FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle GET_SIZE = bind("rbd_get_size", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle STAT = bind("rbd_stat", FunctionDescriptor.of(INT, PTR, PTR, LONG));
    private static final MethodHandle RESIZE = bind("rbd_resize", FunctionDescriptor.of(INT, PTR, LONG));
    private static final MethodHandle READ2 = bind("rbd_read2", FunctionDescriptor.of(LONG, PTR, LONG, LONG, PTR, INT));
    private static final MethodHandle WRITE2 =
            bind("rbd_write2", FunctionDescriptor.of(LONG, PTR, LONG, LONG, PTR, INT));
    private static final MethodHandle DISCARD = bind("rbd_discard", FunctionDescriptor.of(INT, PTR, LONG, LONG));
    private static final MethodHandle WRITE_ZEROES =
            bind("rbd_write_zeroes", FunctionDescriptor.of(LONG, PTR, LONG, LONG, INT, INT));
    private static final MethodHandle FLUSH = bind("rbd_flush", FunctionDescriptor.of(INT, PTR));
    private static final MethodHandle AIO_CREATE_COMPLETION =
            bind("rbd_aio_create_completion", FunctionDescriptor.of(INT, PTR, PTR, PTR));
    private static final MethodHandle AIO_READ2 =
            bind("rbd_aio_read2", FunctionDescriptor.of(INT, PTR, LONG, LONG, PTR, PTR, INT));
    private static final MethodHandle AIO_WRITE2 =
            bind("rbd_aio_write2", FunctionDescriptor.of(INT, PTR, LONG, LONG, PTR, PTR, INT));
    private static final MethodHandle AIO_WRITEV =
            bind("rbd_aio_writev", FunctionDescriptor.of(INT, PTR, PTR, INT, LONG, PTR));
    private static final MethodHandle AIO_DISCARD =
            bind("rbd_aio_discard", FunctionDescriptor.of(INT, PTR, LONG, LONG, PTR));
    private static final MethodHandle AIO_WRITE_ZEROES =
            bind("rbd_aio_write_zeroes", FunctionDescriptor.of(INT, PTR, LONG, LONG, PTR, INT, INT));
    private static final MethodHandle AIO_FLUSH = bind("rbd_aio_flush", FunctionDescriptor.of(INT, PTR, PTR));
    private static final MethodHandle AIO_GET_RETURN_VALUE =
            bind("rbd_aio_get_return_value", FunctionDescriptor.of(LONG, PTR));
    private static final MethodHandle AIO_RELEASE = bind("rbd_aio_release", FunctionDescriptor.ofVoid(PTR));
    private static final MethodHandle DIFF_ITERATE2 =
            bind("rbd_diff_iterate2", FunctionDescriptor.of(INT, PTR, PTR, LONG, LONG, BYTE, BYTE, PTR, PTR));

    private LibRbd() {}

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError(SONAME + " has no " + name));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor);
    }

    /** {@code orderInOut} is an {@code int}: 0 asks for the default object size, and receives the order used. */
    static int create2(MemorySegment ioctx, MemorySegment name, long size, long features, MemorySegment orderInOut) {
        try {
            return (int) CREATE2.invokeExact(ioctx, name, size, features, orderInOut);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int remove(MemorySegment ioctx, MemorySegment name) {
        try {
            return (int) REMOVE.invokeExact(ioctx, name);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /**
     * The pool's image names, each followed by a NUL, into {@code names} of {@code *sizeInOut} bytes: the bytes used,
     * or {@code -ERANGE} with {@code *sizeInOut} set to the size needed.
     */
    static int list(MemorySegment ioctx, MemorySegment names, MemorySegment sizeInOut) {
        try {
            return (int) LIST.invokeExact(ioctx, names, sizeInOut);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /** Opens the writable head ({@code snap_name} NULL). */
    static int open(MemorySegment ioctx, MemorySegment name, MemorySegment imageOut) {
        try {
            return (int) OPEN.invokeExact(ioctx, name, imageOut, MemorySegment.NULL);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /** Opens snapshot {@code snapName} of the image, read-only (no exclusive lock is taken). */
    static int openReadOnly(MemorySegment ioctx, MemorySegment name, MemorySegment imageOut, MemorySegment snapName) {
        try {
            return (int) OPEN_READ_ONLY.invokeExact(ioctx, name, imageOut, snapName);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int snapCreate(MemorySegment image, MemorySegment snapName) {
        try {
            return (int) SNAP_CREATE.invokeExact(image, snapName);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int snapRemove(MemorySegment image, MemorySegment snapName) {
        try {
            return (int) SNAP_REMOVE.invokeExact(image, snapName);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /**
     * The image's snapshots into {@code snaps} ({@code *maxInOut} entries of {@link #SNAP_INFO}): their count, or
     * {@code -ERANGE} with {@code *maxInOut} set to the count needed. Names are librbd's until {@link #snapListEnd}.
     */
    static int snapList(MemorySegment image, MemorySegment snaps, MemorySegment maxInOut) {
        try {
            return (int) SNAP_LIST.invokeExact(image, snaps, maxInOut);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static void snapListEnd(MemorySegment snaps) {
        try {
            SNAP_LIST_END.invokeExact(snaps);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int close(MemorySegment image) {
        try {
            return (int) CLOSE.invokeExact(image);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int getSize(MemorySegment image, MemorySegment sizeOut) {
        try {
            return (int) GET_SIZE.invokeExact(image, sizeOut);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int stat(MemorySegment image, MemorySegment infoOut) {
        try {
            return (int) STAT.invokeExact(image, infoOut, IMAGE_INFO.byteSize());
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int resize(MemorySegment image, long size) {
        try {
            return (int) RESIZE.invokeExact(image, size);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static long read2(MemorySegment image, long offset, long length, MemorySegment buf, int opFlags) {
        try {
            return (long) READ2.invokeExact(image, offset, length, buf, opFlags);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static long write2(MemorySegment image, long offset, long length, MemorySegment buf, int opFlags) {
        try {
            return (long) WRITE2.invokeExact(image, offset, length, buf, opFlags);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int discard(MemorySegment image, long offset, long length) {
        try {
            return (int) DISCARD.invokeExact(image, offset, length);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static long writeZeroes(MemorySegment image, long offset, long length) {
        try {
            return (long) WRITE_ZEROES.invokeExact(image, offset, length, 0, 0);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int flush(MemorySegment image) {
        try {
            return (int) FLUSH.invokeExact(image);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int aioCreateCompletion(MemorySegment arg, MemorySegment callback, MemorySegment completionOut) {
        try {
            return (int) AIO_CREATE_COMPLETION.invokeExact(arg, callback, completionOut);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int aioRead2(MemorySegment image, long offset, long length, MemorySegment buf, MemorySegment completion) {
        try {
            return (int) AIO_READ2.invokeExact(image, offset, length, buf, completion, 0);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int aioWrite2(MemorySegment image, long offset, long length, MemorySegment buf, MemorySegment completion) {
        try {
            return (int) AIO_WRITE2.invokeExact(image, offset, length, buf, completion, 0);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int aioWritev(MemorySegment image, MemorySegment iov, int iovcnt, long offset, MemorySegment completion) {
        try {
            return (int) AIO_WRITEV.invokeExact(image, iov, iovcnt, offset, completion);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int aioDiscard(MemorySegment image, long offset, long length, MemorySegment completion) {
        try {
            return (int) AIO_DISCARD.invokeExact(image, offset, length, completion);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int aioWriteZeroes(MemorySegment image, long offset, long length, MemorySegment completion) {
        try {
            return (int) AIO_WRITE_ZEROES.invokeExact(image, offset, length, completion, 0, 0);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static int aioFlush(MemorySegment image, MemorySegment completion) {
        try {
            return (int) AIO_FLUSH.invokeExact(image, completion);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static long aioReturnValue(MemorySegment completion) {
        try {
            return (long) AIO_GET_RETURN_VALUE.invokeExact(completion);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    static void aioRelease(MemorySegment completion) {
        try {
            AIO_RELEASE.invokeExact(completion);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }

    /**
     * Diff of the opened image (head or snapshot) against snapshot {@code fromSnap} ({@code NULL}: the image's
     * creation), parent included: exact extents, or with {@code wholeObject} whole objects, which librbd answers
     * from the object map (fast-diff) without asking the OSDs.
     */
    static int diffIterate2(
            MemorySegment image,
            MemorySegment fromSnap,
            long offset,
            long length,
            boolean wholeObject,
            MemorySegment callback,
            MemorySegment arg) {
        try {
            return (int) DIFF_ITERATE2.invokeExact(
                    image, fromSnap, offset, length, (byte) 1, (byte) (wholeObject ? 1 : 0), callback, arg);
        } catch (Throwable t) {
            throw LibRados.rethrow(t);
        }
    }
}
