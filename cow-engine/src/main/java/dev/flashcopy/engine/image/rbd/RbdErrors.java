package dev.flashcopy.engine.image.rbd;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;

/**
 * What a failed librbd call means to a block device's caller, by the same rule as a file's errno: no space,
 * permission, not supported, invalid, else an I/O error. Stateless.
 */
final class RbdErrors {
    private static final int EOPNOTSUPP = 95;
    private static final int EDQUOT = 122;

    private RbdErrors() {}

    static BlockIoException failure(CephException e, String what) {
        BlockError error = switch (e.errno()) {
            case Errno.ENOSPC, EDQUOT, Errno.EFBIG -> BlockError.NO_SPACE;
            case Errno.EPERM, Errno.EACCES, Errno.EROFS -> BlockError.PERMISSION;
            case EOPNOTSUPP -> BlockError.NOT_SUPPORTED;
            case Errno.EINVAL -> BlockError.INVALID;
            // A blocklisted (fenced) client, a timeout, EIO: the write may not have happened.
            default -> BlockError.IO;
        };
        String words = switch (e.errno()) {
            case Errno.ENOSPC -> "no space left in the cluster, ";
            case EDQUOT -> "no space left under the pool's quota, ";
            default -> "";
        };
        return new BlockIoException(error, what + ": " + words + Errno.name(e.errno()) + " (" + e.call() + ")");
    }
}
