package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.protocol.TransmissionFlag;
import java.util.Map;

/**
 * What the server said about the export it opened: its size, transmission flags and block size constraints, and
 * what the handshake agreed (structured replies, the {@code base:allocation} context). Immutable.
 *
 * @param size              bytes in the export
 * @param transmissionFlags the {@code NBD_FLAG_*} bits sent with it
 * @param minimumBlock      the smallest block the server accepts (1 when it said nothing)
 * @param preferredBlock    the block size the server prefers (4096 when it said nothing)
 * @param maximumPayload    the largest READ or WRITE payload it accepts (the spec's default 32 MiB when it said
 *                          nothing)
 * @param structuredReplies whether the server agreed to structured replies
 * @param contexts          the metadata contexts the server agreed to, by name, with their ids ({@code base:allocation}
 *                          and any other asked for); empty without structured replies
 */
public record ExportDetails(
        long size,
        int transmissionFlags,
        int minimumBlock,
        int preferredBlock,
        int maximumPayload,
        boolean structuredReplies,
        Map<String, Long> contexts) {

    public static final String BASE_ALLOCATION = "base:allocation";

    /** The spec's default maximum payload, which a server that sends no block size honours. */
    public static final int DEFAULT_MAXIMUM_PAYLOAD = 32 << 20;

    public ExportDetails {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
        }
        if (minimumBlock < 1 || maximumPayload < minimumBlock) {
            throw new IllegalArgumentException("block sizes: minimum " + minimumBlock + ", maximum payload "
                    + maximumPayload + " (expected: 1 <= minimum <= maximum)");
        }
        contexts = Map.copyOf(contexts);
    }

    public boolean has(TransmissionFlag flag) {
        return flag.isSet(transmissionFlags);
    }

    public boolean readOnly() {
        return has(TransmissionFlag.READ_ONLY);
    }

    /** The id of context {@code name}, or -1 when the server did not agree to it. */
    public long context(String name) {
        return contexts.getOrDefault(name, -1L);
    }

    /** The id of {@code base:allocation}, or -1 when it was not agreed. */
    public long allocationContext() {
        return context(BASE_ALLOCATION);
    }

    public boolean blockStatus() {
        return allocationContext() >= 0;
    }
}
