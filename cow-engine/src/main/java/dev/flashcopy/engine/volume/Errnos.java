package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;

/**
 * What an errno means to a block device's caller (a {@link BlockError}) and to a person (a short text, so
 * messages need no {@code strerror} call). Stateless.
 */
final class Errnos {
    private Errnos() {}

    static BlockIoException failure(int errno, String what) {
        BlockError error = switch (errno) {
            case Posix.ENOSPC, Posix.EDQUOT, Posix.EFBIG -> BlockError.NO_SPACE;
            case Posix.EPERM, Posix.EACCES, Posix.EROFS -> BlockError.PERMISSION;
            case Posix.EOPNOTSUPP -> BlockError.NOT_SUPPORTED;
            case Posix.EINVAL -> BlockError.INVALID;
            default -> BlockError.IO;
        };
        return new BlockIoException(error, what + ": " + describe(errno));
    }

    static String describe(int errno) {
        return switch (errno) {
            case Posix.EPERM -> "operation not permitted";
            case Posix.EIO -> "I/O error";
            case Posix.ENXIO -> "no such device or address";
            case Posix.EACCES -> "permission denied";
            case Posix.EFBIG -> "file too large";
            case Posix.ENOSPC -> "no space left on device";
            case Posix.EROFS -> "read-only file system";
            case Posix.EINVAL -> "invalid argument";
            case Posix.EOPNOTSUPP -> "operation not supported";
            case Posix.EDQUOT -> "disk quota exceeded";
            case 2 -> "no such file or directory";
            case 21 -> "is a directory";
            default -> "errno " + errno;
        };
    }
}
