package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainGeometry;

/**
 * Whether a write to the source of a family, routed there as a {@link VolumeRoute.Source} (no cascade above,
 * no extents) that borrows nothing, would by a look taken without its locks be one write to the source's
 * image and nothing else: every grain it covers already copied to the newest target with that record
 * durable, and nothing recording. {@link HostIo#mutateSource} does exactly that then, so a server may run such
 * writes one at a time per file as it does a plain volume's. (In a chain of two or more, the newest target
 * must also have the grains marked source-changed already.) The look may be stale the moment it is taken; the
 * write itself still takes the locks and does whatever is needed. Stateless.
 */
public final class SourceWriteHint {
    private SourceWriteHint() {}

    /** True when a write of {@code [offset, offset + length)} to {@code f}'s source looks like a plain one. */
    public static boolean plain(Family f, long offset, long length) {
        ChainHints hints = f.hints();
        if (hints.recording()) {
            return false;
        }
        Relationship newest = hints.newest();
        if (newest == null || newest.failed() || length <= 0) {
            return false;
        }
        GrainGeometry geo = f.geometry();
        long cover = Math.min(offset + length, geo.size());
        if (offset >= cover) {
            return true; // past the source's end nothing is shared
        }
        long g0 = geo.grainOf(offset);
        long g1 = geo.grainOf(cover - 1);
        if (hints.chained() && newest.sourceChanged().count(g0, g1 + 1) != g1 - g0 + 1) {
            return false; // the newest of a chain marks the grains changed first, for cleaning (HostIo.markNewest)
        }
        return !newest.toCopy().anySet(g0, g1 + 1)
                && newest.lastClearSeq(g0, g1) <= f.journal().durableSeq();
    }
}
