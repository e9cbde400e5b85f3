package dev.flashcopy.engine.volume;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * FFM bindings to the handful of libc calls Java's file API does not offer (or hides behind
 * copies): {@code pread}/{@code pwrite}/{@code pwritev} on native memory, {@code fdatasync}, {@code fallocate},
 * {@code lseek(SEEK_DATA/SEEK_HOLE)}, {@code posix_fadvise} and {@code cachestat}. Each call captures {@code errno}
 * in a per-thread segment so failures carry the kernel's reason. Linux x86_64/aarch64 only.
 *
 * <p>Thread-safe: method handles are immutable and the errno segment is thread-local.
 */
final class Posix {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_TRUNC = 01000;
    static final int O_DIRECTORY = 0200000;
    static final int O_CLOEXEC = 02000000;

    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;

    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    static final int POSIX_FADV_WILLNEED = 3;
    static final int POSIX_FADV_DONTNEED = 4;
    /** Linux 6.5+; system calls added since 5.1 have one number on every architecture. */
    static final long SYS_CACHESTAT = 451;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EFBIG = 27;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int EINVAL = 22;
    static final int EOPNOTSUPP = 95;
    static final int EDQUOT = 122;
    static final int EXDEV = 18;
    static final int ENOSYS = 38;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> ERRNO_SLOT =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE));

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle OPEN =
            bind("open", FunctionDescriptor.of(INT, PTR, INT, INT), Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO);
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(INT, INT), CAPTURE_ERRNO);
    private static final MethodHandle PREAD =
            bind("pread", FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG), CAPTURE_ERRNO);
    private static final MethodHandle PWRITE =
            bind("pwrite", FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG), CAPTURE_ERRNO);
    private static final MethodHandle PWRITEV =
            bind("pwritev", FunctionDescriptor.of(LONG, INT, PTR, INT, LONG), CAPTURE_ERRNO);
    private static final MethodHandle PWRITEV2 =
            bind("pwritev2", FunctionDescriptor.of(LONG, INT, PTR, INT, LONG, INT), CAPTURE_ERRNO);
    private static final MethodHandle PREADV2 =
            bind("preadv2", FunctionDescriptor.of(LONG, INT, PTR, INT, LONG, INT), CAPTURE_ERRNO);
    private static final MethodHandle FDATASYNC = bind("fdatasync", FunctionDescriptor.of(INT, INT), CAPTURE_ERRNO);
    private static final MethodHandle FSYNC = bind("fsync", FunctionDescriptor.of(INT, INT), CAPTURE_ERRNO);
    private static final MethodHandle FTRUNCATE =
            bind("ftruncate", FunctionDescriptor.of(INT, INT, LONG), CAPTURE_ERRNO);
    private static final MethodHandle FALLOCATE =
            bind("fallocate", FunctionDescriptor.of(INT, INT, INT, LONG, LONG), CAPTURE_ERRNO);
    private static final MethodHandle LSEEK = bind("lseek", FunctionDescriptor.of(LONG, INT, LONG, INT), CAPTURE_ERRNO);
    private static final MethodHandle COPY_FILE_RANGE =
            bind("copy_file_range", FunctionDescriptor.of(LONG, INT, PTR, INT, PTR, LONG, INT), CAPTURE_ERRNO);
    // posix_fadvise returns the error number instead of setting errno.
    private static final MethodHandle FADVISE = bind("posix_fadvise", FunctionDescriptor.of(INT, INT, LONG, LONG, INT));
    private static final MethodHandle SYSCALL_CACHESTAT = bind(
            "syscall",
            FunctionDescriptor.of(LONG, LONG, INT, PTR, PTR, INT),
            Linker.Option.firstVariadicArg(1),
            CAPTURE_ERRNO);
    private static final MethodHandle GETPAGESIZE = bind("getpagesize", FunctionDescriptor.of(INT));

    private Posix() {}

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol =
                LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** The errno captured by this thread's last call. */
    static int errno() {
        return (int) ERRNO.get(ERRNO_SLOT.get(), 0L);
    }

    static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(ERRNO_SLOT.get(), arena.allocateFrom(path), flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(ERRNO_SLOT.get(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long pread(int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) PREAD.invokeExact(ERRNO_SLOT.get(), fd, buf, count, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long pwrite(int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) PWRITE.invokeExact(ERRNO_SLOT.get(), fd, buf, count, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code iov} holds {@code count} {@code struct iovec}s (base address, length; 16 bytes each). */
    static long pwritev(int fd, MemorySegment iov, int count, long offset) {
        try {
            return (long) PWRITEV.invokeExact(ERRNO_SLOT.get(), fd, iov, count, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pwritev2 with {@code RWF_*} flags; {@code iov} as for {@link #pwritev}. */
    static long pwritev2(int fd, MemorySegment iov, int count, long offset, int flags) {
        try {
            return (long) PWRITEV2.invokeExact(ERRNO_SLOT.get(), fd, iov, count, offset, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** preadv2 with {@code RWF_*} flags; {@code iov} as for {@link #pwritev}. */
    static long preadv2(int fd, MemorySegment iov, int count, long offset, int flags) {
        try {
            return (long) PREADV2.invokeExact(ERRNO_SLOT.get(), fd, iov, count, offset, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int fdatasync(int fd) {
        try {
            return (int) FDATASYNC.invokeExact(ERRNO_SLOT.get(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int fsync(int fd) {
        try {
            return (int) FSYNC.invokeExact(ERRNO_SLOT.get(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ftruncate(int fd, long length) {
        try {
            return (int) FTRUNCATE.invokeExact(ERRNO_SLOT.get(), fd, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int fallocate(int fd, int mode, long offset, long length) {
        try {
            return (int) FALLOCATE.invokeExact(ERRNO_SLOT.get(), fd, mode, offset, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long lseek(int fd, long offset, int whence) {
        try {
            return (long) LSEEK.invokeExact(ERRNO_SLOT.get(), fd, offset, whence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** In-kernel copy between two files; the offsets are {@code loff_t} cells the kernel advances. */
    static long copyFileRange(int fdIn, MemorySegment offIn, int fdOut, MemorySegment offOut, long length) {
        try {
            return (long) COPY_FILE_RANGE.invokeExact(ERRNO_SLOT.get(), fdIn, offIn, fdOut, offOut, length, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int fadvise(int fd, long offset, long length, int advice) {
        try {
            return (int) FADVISE.invokeExact(fd, offset, length, advice);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * cachestat(2): fills {@code stat} (five {@code __u64}: cached, dirty, writeback, evicted, recently evicted
     * pages) for the byte range {@code range} holds (offset, length); 0, or -1 with errno (ENOSYS before 6.5).
     */
    static int cachestat(int fd, MemorySegment range, MemorySegment stat) {
        try {
            return (int) (long) SYSCALL_CACHESTAT.invokeExact(ERRNO_SLOT.get(), SYS_CACHESTAT, fd, range, stat, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int pageSize() {
        try {
            return (int) GETPAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }
}
