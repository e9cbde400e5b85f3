package dev.flashcopy.engine.relationship;

/**
 * One relationship as {@code relationships.json} remembers it. The bitmap is not here: it lives in the
 * checkpoint and journal, keyed by {@code id}. Immutable.
 *
 * @param id unique, increasing in establish order (the chain order of targets of one source)
 * @param size bytes of the source covered by the bitmap
 * @param establishedAt T0, ISO-8601
 */
public record RelationshipRecord(long id, String source, String target, long seqnum, CopyMode mode,
        boolean persistent, boolean targetWriteInhibit, int grainSize, long size, String establishedAt,
        int rateMiBps) {
}
