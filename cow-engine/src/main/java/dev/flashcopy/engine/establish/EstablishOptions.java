package dev.flashcopy.engine.establish;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.OnFull;

/**
 * How {@code mkflash} establishes its pairs. Immutable; start from {@link #defaults()}.
 *
 * @param mode COPY (background copy, default) or NOCOPY ({@code -nocp})
 * @param persistent keep the relationship after the copy completes ({@code -persist})
 * @param targetWriteInhibit host writes to the target fail while the relationship exists ({@code -tgtinhibit})
 * @param seqnum a label the admin chooses, 0 to FFFFFFFF ({@code -seqnum}); withdraw may require it to match
 * @param grainSize bytes per grain, power of two in [4096, 1048576]
 * @param rateMiBps background copy rate limit, 0 = unlimited
 * @param recording keep source- and target-changed bitmaps for {@code resyncflash} and {@code reverseflash}
 *     ({@code -record}); implies {@code persistent}, as in the DS CLI
 * @param onFull what a full target file system does to a write needing a copy ({@code --on-full}; default fail)
 */
public record EstablishOptions(
        CopyMode mode,
        boolean persistent,
        boolean targetWriteInhibit,
        long seqnum,
        int grainSize,
        int rateMiBps,
        boolean recording,
        OnFull onFull) {
    public EstablishOptions {
        onFull = onFull == null ? OnFull.FAIL : onFull;
        if (mode == null) {
            throw new IllegalArgumentException("mode: null (expected: copy or nocopy)");
        }
        if (seqnum < 0 || seqnum > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("seqnum: " + seqnum + " (expected: 0 to FFFFFFFF)");
        }
        GrainGeometry.checkGrainSize(grainSize);
        checkRate(rateMiBps);
        persistent = persistent || recording;
    }

    public EstablishOptions(
            CopyMode mode, boolean persistent, boolean targetWriteInhibit, long seqnum, int grainSize, int rateMiBps) {
        this(mode, persistent, targetWriteInhibit, seqnum, grainSize, rateMiBps, false, OnFull.FAIL);
    }

    public EstablishOptions(
            CopyMode mode,
            boolean persistent,
            boolean targetWriteInhibit,
            long seqnum,
            int grainSize,
            int rateMiBps,
            boolean recording) {
        this(mode, persistent, targetWriteInhibit, seqnum, grainSize, rateMiBps, recording, OnFull.FAIL);
    }

    /** The out-of-space policy: {@code fail} the relationship, or {@code inhibit-source} writes that need a copy. */
    public EstablishOptions withOnFull(OnFull policy) {
        return new EstablishOptions(
                mode, persistent, targetWriteInhibit, seqnum, grainSize, rateMiBps, recording, policy);
    }

    public static EstablishOptions defaults() {
        return new EstablishOptions(CopyMode.COPY, false, false, 0, GrainGeometry.DEFAULT_GRAIN, 0);
    }

    public static int checkRate(int rateMiBps) {
        if (rateMiBps < 0) {
            throw new IllegalArgumentException("rateMiBps: " + rateMiBps + " (expected: >= 0, 0 = unlimited)");
        }
        return rateMiBps;
    }

    public EstablishOptions withMode(CopyMode m) {
        return new EstablishOptions(m, persistent, targetWriteInhibit, seqnum, grainSize, rateMiBps, recording, onFull);
    }

    public EstablishOptions withPersistent(boolean p) {
        return new EstablishOptions(mode, p, targetWriteInhibit, seqnum, grainSize, rateMiBps, recording, onFull);
    }

    public EstablishOptions withTargetWriteInhibit(boolean t) {
        return new EstablishOptions(mode, persistent, t, seqnum, grainSize, rateMiBps, recording, onFull);
    }

    public EstablishOptions withSeqnum(long s) {
        return new EstablishOptions(mode, persistent, targetWriteInhibit, s, grainSize, rateMiBps, recording, onFull);
    }

    public EstablishOptions withGrainSize(int g) {
        return new EstablishOptions(mode, persistent, targetWriteInhibit, seqnum, g, rateMiBps, recording, onFull);
    }

    public EstablishOptions withRateMiBps(int r) {
        return new EstablishOptions(mode, persistent, targetWriteInhibit, seqnum, grainSize, r, recording, onFull);
    }

    /** Change recording on or off; on also makes the relationship persistent. */
    public EstablishOptions withRecording(boolean r) {
        return new EstablishOptions(mode, persistent, targetWriteInhibit, seqnum, grainSize, rateMiBps, r, onFull);
    }
}
