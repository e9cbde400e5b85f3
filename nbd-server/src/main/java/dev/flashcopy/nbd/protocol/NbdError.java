package dev.flashcopy.nbd.protocol;

import dev.flashcopy.engine.device.BlockError;

/** Error values of replies ({@code NBD_E*}); the numbers are the Linux errno values. */
public enum NbdError {
    EPERM(1),
    EIO(5),
    ENOMEM(12),
    EINVAL(22),
    ENOSPC(28),
    EOVERFLOW(75),
    ENOTSUP(95),
    ESHUTDOWN(108);

    private final int code;

    NbdError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static NbdError of(int code) {
        for (NbdError error : values()) {
            if (error.code == code) {
                return error;
            }
        }
        throw new IllegalArgumentException("error: " + code + " (expected: an error value defined by the NBD spec)");
    }

    /** The error a client is told when the device fails a request for {@code error}. */
    public static NbdError of(BlockError error) {
        return switch (error) {
            case PERMISSION -> EPERM;
            case IO -> EIO;
            case NO_SPACE -> ENOSPC;
            case INVALID -> EINVAL;
            case NOT_SUPPORTED -> ENOTSUP;
            case SHUTDOWN -> ESHUTDOWN;
        };
    }
}
