package dev.flashcopy.rbd;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The Linux errno values callers of this binding branch on, and the symbolic name of any errno (glibc's
 * {@code strerrorname_np}, so the table of names is the C library's, not a copy of it here).
 *
 * <p>Thread-safe: stateless.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ERANGE = 34;
    public static final int ENOTEMPTY = 39;
    public static final int EOVERFLOW = 75;
    public static final int EBLOCKLISTED = 108; // ESHUTDOWN: what librados returns to a blocklisted client
    public static final int ETIMEDOUT = 110;
    public static final int ECANCELED = 125;
    /** librados' MAX_ERRNO: a compare-extent mismatch at offset k returns {@code -(MAX_ERRNO + k)}. */
    public static final int MAX_ERRNO = 4095;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle NAME = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerrorname_np").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Errno() {}

    /** {@code ENOENT} for 2; {@code errno 4321} for a number the C library has no name for. */
    public static String name(int errno) {
        MemorySegment name;
        try {
            name = (MemorySegment) NAME.invokeExact(errno);
        } catch (Throwable t) {
            throw new IllegalStateException("strerrorname_np failed", t);
        }
        return name.equals(MemorySegment.NULL)
                ? "errno " + errno
                : name.reinterpret(64).getString(0);
    }
}
