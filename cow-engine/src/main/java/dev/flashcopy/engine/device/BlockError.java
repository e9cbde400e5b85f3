package dev.flashcopy.engine.device;

/**
 * Why a block request failed, in the terms the NBD protocol can carry back to a client. Storage
 * corruption is not here: it is an exception that stops writes, never a per-request error.
 */
public enum BlockError {
    /** The device refuses writes (read-only export, inhibited target). */
    PERMISSION,
    /** The disk failed the operation. */
    IO,
    /** The backing file system is full, or a write reaches past the end of the device. */
    NO_SPACE,
    /** Offset, length or flags make no sense for this device. */
    INVALID,
    /** The operation cannot be done the requested way (e.g. a zero that would not be fast). */
    NOT_SUPPORTED,
    /** The device is shutting down. */
    SHUTDOWN
}
