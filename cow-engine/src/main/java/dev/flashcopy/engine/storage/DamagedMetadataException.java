package dev.flashcopy.engine.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A metadata file failed its checksum or its structure in a way a power loss cannot explain: corruption,
 * never silently repaired. The message is one line naming the file, the offset when known, and what to do.
 * {@code relationshipId} is the relationship the damage is pinned to, or -1 when it cannot be pinned (the
 * data directory is then refused until {@code flashcopy fsck --repair} has run). Immutable.
 */
public final class DamagedMetadataException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final long relationshipId;
    private final String problem;

    public DamagedMetadataException(Path file, long offset, long relationshipId, String what) {
        this(file, offset, relationshipId, what, what);
    }

    private DamagedMetadataException(Path file, long offset, long relationshipId, String message, String problem) {
        super(message);
        this.file = file;
        this.offset = offset;
        this.relationshipId = relationshipId;
        this.problem = problem;
    }

    /**
     * The damage that refuses a whole data directory: the message is {@link #refusal}, {@link #problem()} the damage
     * alone, for a caller that knows a better thing to advise (a store in a Ceph pool is checked by pool, not by
     * directory).
     */
    public static DamagedMetadataException refused(
            Path dataDir, Path file, long offset, long relationshipId, String what) {
        return new DamagedMetadataException(file, offset, relationshipId, refusal(dataDir, what), what);
    }

    /** What is damaged, without the advice of what to do. */
    public String problem() {
        return problem;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** Where in the file, or -1 for the whole file. */
    public long offset() {
        return offset;
    }

    /** The one relationship the damage is pinned to, or -1. */
    public long relationshipId() {
        return relationshipId;
    }

    /** The one-line refusal for a data directory: what is damaged and what to do. */
    private static String refusal(Path dataDir, String what) {
        return what + "; nothing was changed: keep a copy of " + dataDir + ", then run flashcopy fsck" + " --data "
                + dataDir + " (and --repair to fail only what is damaged)";
    }
}
