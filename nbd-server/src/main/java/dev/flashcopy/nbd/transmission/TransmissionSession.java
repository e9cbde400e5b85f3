package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.nbd.export.MetaContext;
import dev.flashcopy.nbd.metrics.ExportMetrics;
import java.util.List;

/**
 * What the handshake agreed for one connection, handed to the transmission phase. Immutable; the
 * lease inside is closed by the transmission handler once the connection is gone and idle.
 *
 * @param lease             the connection's hold on its export's device
 * @param structuredReplies whether {@code NBD_OPT_STRUCTURED_REPLY} was agreed
 * @param contexts          the metadata contexts selected for block status (empty: none)
 * @param readOnly          served read-only by the server's export rules, whatever the device allows
 * @param metrics           where the export's finished requests are counted
 */
public record TransmissionSession(
        DeviceLease lease,
        boolean structuredReplies,
        List<MetaContext> contexts,
        boolean readOnly,
        ExportMetrics metrics) {
    public TransmissionSession {
        if (lease == null) {
            throw new IllegalArgumentException("lease: null (expected: an open device lease)");
        }
        contexts = List.copyOf(contexts);
        if (metrics == null) {
            throw new IllegalArgumentException("metrics: null (expected: ExportMetrics.NONE to keep nothing)");
        }
    }

    /** Writable as far as the device allows; requests not counted. */
    public TransmissionSession(DeviceLease lease, boolean structuredReplies, List<MetaContext> contexts) {
        this(lease, structuredReplies, contexts, false, ExportMetrics.NONE);
    }
}
