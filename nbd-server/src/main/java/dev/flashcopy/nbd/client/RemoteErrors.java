package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.nbd.protocol.NbdError;
import java.io.IOException;

/**
 * Turns what a request's future failed with into the {@link BlockError} the device reports, the reverse of how the
 * server maps a device's failure to a reply ({@code NbdError.of(BlockError)}), so a forwarded request fails with the
 * same error value it would have had on the far server. Stateless.
 */
final class RemoteErrors {
    private RemoteErrors() {}

    static BlockIoException of(Throwable failure) {
        if (failure instanceof ErrorReply reply) {
            return new BlockIoException(error(reply.errno()), reply.getMessage(), reply);
        }
        String message = failure instanceof IOException ? failure.getMessage() : "request failed: " + failure;
        return new BlockIoException(BlockError.IO, message, failure);
    }

    /**
     * The block error for an NBD error value. {@code ENOMEM} is a server-side failure the client cannot act on (IO);
     * {@code EOVERFLOW} means the request was too large for the server (INVALID); values the spec does not define
     * count as IO.
     */
    static BlockError error(int errno) {
        for (NbdError e : NbdError.values()) {
            if (e.code() == errno) {
                return switch (e) {
                    case EPERM -> BlockError.PERMISSION;
                    case EIO, ENOMEM -> BlockError.IO;
                    case EINVAL, EOVERFLOW -> BlockError.INVALID;
                    case ENOSPC -> BlockError.NO_SPACE;
                    case ENOTSUP -> BlockError.NOT_SUPPORTED;
                    case ESHUTDOWN -> BlockError.SHUTDOWN;
                };
            }
        }
        return BlockError.IO;
    }
}
