package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The relationships as {@code lsflash}, {@code lsvol} and tools read them: views taken at one moment and copies of
 * bitmaps, never the live objects. Takes no lock (the registry's maps are concurrent); thread-safe.
 */
public final class RelationshipQueries {
    private final Registry registry;
    private final Predicate<String> volumeExists;

    /** @param volumeExists whether the store has a volume (an inactive relationship names one that may be gone) */
    public RelationshipQueries(Registry registry, Predicate<String> volumeExists) {
        this.registry = registry;
        this.volumeExists = volumeExists;
    }

    /** Every relationship, by source then T0 (oldest target first). */
    public List<RelationshipView> list() {
        return registry.views();
    }

    /** Relationships of one volume (either role), or of one pair when written {@code SOURCE:TARGET}. */
    public List<RelationshipView> list(String volumeOrPair) {
        return registry.views(volumeOrPair, volumeExists);
    }

    /** The volume's source (when a target) and targets (when a source), oldest first. */
    public VolumeRoles roles(String volume) {
        return registry.roles(volume, volumeExists);
    }

    /** A snapshot of the to-copy bitmap of {@code source:target} (for tools and NBD meta contexts). */
    public Optional<GrainBitmap> toCopy(String source, String target) {
        return registry.findLive(source, target).map(r -> r.toCopy().copy());
    }

    /** The to-copy bits of live relationship {@code id} (one of several of a pair), or empty. */
    public Optional<GrainBitmap> toCopy(long id) {
        return Optional.ofNullable(registry.live.get(id)).map(r -> r.toCopy().copy());
    }

    /** A snapshot of every bitmap of {@code source:target}: to copy, changed on each side, borrowed. */
    public Optional<BitmapSet> bitmaps(String source, String target) {
        return registry.findLive(source, target).map(r -> r.bitmaps().copy());
    }
}
