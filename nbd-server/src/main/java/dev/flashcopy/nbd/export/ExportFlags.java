package dev.flashcopy.nbd.export;

import dev.flashcopy.nbd.protocol.TransmissionFlag;

/**
 * The transmission flags of an export. Every command is offered on every device: a read-only
 * device still advertises TRIM and zeroing, and refuses them with {@code EPERM}, as the spec
 * expects of a server that sets {@code READ_ONLY}. {@code CAN_MULTI_CONN} holds because a device's
 * flush covers writes completed on any connection. Stateless.
 */
public final class ExportFlags {
    private static final int ALWAYS = TransmissionFlag.HAS_FLAGS.bit()
            | TransmissionFlag.SEND_FLUSH.bit()
            | TransmissionFlag.SEND_FUA.bit()
            | TransmissionFlag.SEND_TRIM.bit()
            | TransmissionFlag.SEND_WRITE_ZEROES.bit()
            | TransmissionFlag.SEND_DF.bit()
            | TransmissionFlag.CAN_MULTI_CONN.bit()
            | TransmissionFlag.SEND_CACHE.bit()
            | TransmissionFlag.SEND_FAST_ZERO.bit();

    private ExportFlags() {}

    public static int of(boolean readOnly) {
        return readOnly ? ALWAYS | TransmissionFlag.READ_ONLY.bit() : ALWAYS;
    }
}
