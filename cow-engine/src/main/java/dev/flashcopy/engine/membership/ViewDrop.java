package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.image.PointInTimeViews;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.relationship.ChainCopy;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.SourceView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands a family with source views back to the copy-on-write chain ({@link SourceViews#drop}): newest target first,
 * each target with a view gets from it every grain it still has to copy where the chain would not give it T0, where
 * the source changed since its snapshot or where a newer target holds the grain (the chain would read that one).
 * Changes since an older T0 include those since a newer one, so no newer target later changes a grain an older one
 * relies on. Then, durably, the catalog stops naming the views (one save). From then on every grain a target still
 * has to copy reads T0 from the source or a newer target, as the chain's rules expect.
 *
 * <p>Stateless; the caller holds the admin lock and the family's chain write lock (no host write runs).
 */
final class ViewDrop {
    private ViewDrop() {}

    /**
     * Drops every view of {@code f} (chain write lock held) and returns them, to be discarded once the durable catalog
     * no longer names them.
     */
    static Map<Relationship, SourceView> drop(
            Family f, Journal journal, ByteBuffer buffer, SourceViews.CatalogSave saveCatalog) throws IOException {
        long grains = f.geometry().grains();
        GrainBitmap heldNewer = GrainBitmap.empty(grains);
        List<Relationship> chain = f.chain();
        Map<Relationship, SourceView> views = new LinkedHashMap<>();
        for (int k = chain.size() - 1; k >= 0; k--) {
            Relationship rel = chain.get(k);
            if (rel.view() != null) {
                views.put(rel, rel.view());
                ChainCopy.copyFromView(f, rel, GrainBitmap.union(changedSince(f, rel), heldNewer), buffer);
            }
            heldNewer = GrainBitmap.union(heldNewer, GrainBitmap.andNot(GrainBitmap.allSet(grains), rel.toCopy()));
        }
        // Durability: every target holds, durably, each grain it would no longer read T0 of through the chain before
        // the views that kept them go (the catalog first stops naming them, in one save, then they are removed).
        journal.commitAll();
        views.keySet().forEach(rel -> {
            rel.setView(null);
            rel.setRecordedView(null);
        });
        try {
            saveCatalog.save();
        } catch (IOException | RuntimeException e) {
            views.forEach((rel, view) -> { // still named by the durable catalog: keep reading them
                rel.setView(view);
                rel.setRecordedView(view.name());
            });
            throw e;
        }
        return views;
    }

    /** The grains of {@code rel}'s source that changed since its view was taken. */
    private static GrainBitmap changedSince(Family f, Relationship rel) throws IOException {
        GrainGeometry geo = f.geometry();
        GrainBitmap changed = GrainBitmap.empty(geo.grains());
        List<long[]> ranges = ((PointInTimeViews) rel.source().image())
                .changedSince(rel.view().name(), 0, geo.size());
        for (long[] r : ranges) {
            long end = Math.min(r[0] + r[1], geo.size());
            if (r[1] > 0 && r[0] < end) {
                changed.set(geo.grainOf(r[0]), geo.grainOf(end - 1) + 1);
            }
        }
        return changed;
    }
}
