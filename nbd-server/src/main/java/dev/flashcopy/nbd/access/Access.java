package dev.flashcopy.nbd.access;

/** What one client may do with one export. */
public enum Access {
    /** The client may not see or open the export. */
    DENIED,
    /** Reads only: the export is advertised {@code READ_ONLY} and writes get {@code EPERM}. */
    READ_ONLY,
    /** Whatever the device allows. */
    READ_WRITE
}
