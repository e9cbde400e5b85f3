package dev.flashcopy.nbd.handshake;

/** Option data that does not parse; answered with {@code NBD_REP_ERR_INVALID}, the connection stays. */
final class MalformedOptionException extends Exception {
    MalformedOptionException(String message) {
        super(message, null, false, false);
    }
}
