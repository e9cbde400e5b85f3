package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.copier.CopyJob;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.relationship.RelationshipState;
import dev.flashcopy.engine.relationship.VolumeRoute;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Who is in which relationship right now: live relationships by id, their families by volume name (source
 * and targets alike; a volume that is both, in a cascade, maps to the family it is the source of; a volume in
 * extent relationships, its own family or another of their group), each volume's {@link VolumeRoute} derived
 * from those (so host I/O finds what to do in one lookup), their copy jobs, and inactive relationships kept
 * from the catalog. Also builds the read-only views.
 *
 * <p>Thread-safe for readers (concurrent maps); the engine changes it under its admin lock, and a
 * family's membership under that family's chain write lock. Every change of {@link #families} or of a
 * family's chain ends with {@link #reroute()} while those write locks are still held.
 */
public final class Registry {
    /** A catalogued relationship whose volumes were missing at open; kept, with its bitmap, until withdrawn. */
    public record Inactive(RelationshipRecord record, BitmapSet bitmaps) {}

    public final ConcurrentHashMap<String, Family> families = new ConcurrentHashMap<>();
    public final ConcurrentHashMap<Long, Relationship> live = new ConcurrentHashMap<>();
    /** Each volume's route as of the last {@link #reroute()}; a volume in none is {@link VolumeRoute#PLAIN}. */
    private final ConcurrentHashMap<String, VolumeRoute> routes = new ConcurrentHashMap<>();

    public final ConcurrentHashMap<Long, CopyJob> jobs = new ConcurrentHashMap<>();
    public final ConcurrentHashMap<Long, Inactive> inactive = new ConcurrentHashMap<>();

    /** Puts {@code rel} in service in place of the live relationship with its id, if any; returns that one. */
    Relationship putLive(Relationship rel) {
        return live.put(rel.id(), rel);
    }

    /** Takes the relationship with {@code rel}'s id out of service. */
    void removeLive(Relationship rel) {
        live.remove(rel.id());
    }

    /**
     * Where host I/O on {@code volume} goes now: one lookup, no lock, so the NBD server may ask on its event loop
     * (for every write: whether the volume is an inhibited target, whether the write may take the file's serial
     * lane). An I/O path that acts on it enters its chain lock and checks it is still this one.
     */
    public VolumeRoute routeOf(String volume) {
        VolumeRoute route = routes.get(volume);
        return route == null ? VolumeRoute.PLAIN : route;
    }

    /**
     * Recomputes every volume's route from {@link #families} ({@link VolumeRoute#of}, the one place a role is
     * decided) after a change of membership, with the change's chain write locks and the admin lock held, so
     * no I/O path acts on a route between the change and its republishing. A route that did not change stays
     * the object already published (routes are equal when they name the same family and relationships), so
     * I/O on volumes the change did not touch never takes their route again. Cost: one pass over the volumes
     * in relationships per establish, withdraw, resync or reverse.
     */
    public void reroute() {
        families.forEach((volume, f) -> {
            VolumeRoute now = VolumeRoute.of(volume, f);
            if (!now.equals(routes.get(volume))) {
                routes.put(volume, now);
            }
        });
        routes.keySet().removeIf(volume -> !families.containsKey(volume));
    }

    /** The oldest live relationship of the pair (extent relationships of one pair may be several). */
    /** The catalog records of the relationships left inactive at start. */
    public List<RelationshipRecord> inactiveRecords() {
        return inactive.values().stream().map(Inactive::record).toList();
    }

    /** Whether {@code rel} is the object in service for its id (not withdrawn, not replaced by a refresh). */
    public boolean isLive(Relationship rel) {
        return live.get(rel.id()) == rel;
    }

    public Optional<Relationship> findLive(String source, String target) {
        return live.values().stream()
                .filter(r ->
                        r.source().name().equals(source) && r.target().name().equals(target))
                .min(Comparator.comparingLong(Relationship::id));
    }

    /** The oldest live relationship targeting {@code target} (an extent target may have several). */
    public Optional<Relationship> ofTarget(String target) {
        return live.values().stream()
                .filter(r -> r.target().name().equals(target))
                .min(Comparator.comparingLong(Relationship::id));
    }

    public Optional<Inactive> findInactive(String source, String target) {
        return inactive.values().stream()
                .filter(i -> i.record().source().equals(source)
                        && i.record().target().equals(target))
                .findFirst();
    }

    public boolean inactiveVolume(String volume) {
        return inactive.values().stream()
                .anyMatch(i -> i.record().source().equals(volume)
                        || i.record().target().equals(volume));
    }

    /** Every bitmap a checkpoint must hold: live and inactive. */
    public Map<Long, BitmapSet> bitmaps() {
        Map<Long, BitmapSet> all = new HashMap<>();
        live.forEach((id, r) -> all.put(id, r.bitmaps()));
        inactive.forEach((id, i) -> all.put(id, i.bitmaps()));
        return all;
    }

    /** What the catalog must list, by id. */
    public List<RelationshipRecord> catalogRecords() {
        List<RelationshipRecord> all = new ArrayList<>();
        live.values().forEach(r -> all.add(r.record()));
        inactive.values().forEach(i -> all.add(i.record()));
        all.sort(Comparator.comparingLong(RelationshipRecord::id));
        return all;
    }

    /** Every relationship, by source then T0 (oldest target first). */
    public List<RelationshipView> views() {
        List<RelationshipView> views = new ArrayList<>();
        live.values().forEach(r -> views.add(view(r)));
        inactive.values().forEach(i -> views.add(view(i)));
        views.sort(Comparator.comparing(RelationshipView::source).thenComparingLong(RelationshipView::id));
        return List.copyOf(views);
    }

    /** Relationships of one volume (either role), or of one pair when written {@code SOURCE:TARGET}. */
    public List<RelationshipView> views(String volumeOrPair, Predicate<String> volumeExists) {
        if (volumeOrPair != null && volumeOrPair.contains(":")) {
            PairSpec p = PairSpec.parse(volumeOrPair);
            List<RelationshipView> found = views().stream()
                    .filter(v -> v.source().equals(p.source()) && v.target().equals(p.target()))
                    .toList();
            if (found.isEmpty()) {
                throw new NoSuchElementException("no FlashCopy relationship " + p + " (see lsflash)");
            }
            return found;
        }
        List<RelationshipView> found = views().stream()
                .filter(v -> v.source().equals(volumeOrPair) || v.target().equals(volumeOrPair))
                .toList();
        if (found.isEmpty() && !volumeExists.test(volumeOrPair)) {
            throw new NoSuchElementException("no volume named '" + volumeOrPair + "' (see 'flashcopy lsvol')");
        }
        return found;
    }

    public VolumeRoles roles(String volume, Predicate<String> volumeExists) {
        List<RelationshipView> mine = views(volume, volumeExists);
        return new VolumeRoles(
                volume,
                mine.stream()
                        .filter(v -> v.target().equals(volume))
                        .map(RelationshipView::source)
                        .findFirst(),
                mine.stream()
                        .filter(v -> v.source().equals(volume))
                        .map(RelationshipView::target)
                        .toList());
    }

    /** Why {@code volume} may not be removed now, if it may not. */
    public Optional<String> objection(String volume, boolean establishing) {
        List<String> targets = new ArrayList<>();
        for (RelationshipView v : views()) {
            if (v.target().equals(volume)) {
                return Optional.of("it is the target of FlashCopy relationship " + v.source() + ":" + volume
                        + "; withdraw it first (rmflash)");
            }
            if (v.source().equals(volume)) {
                targets.add(v.target());
            }
        }
        if (!targets.isEmpty()) {
            return Optional.of("it is the source of FlashCopy relationship(s) with " + String.join(", ", targets)
                    + "; withdraw them first (rmflash)");
        }
        return establishing ? Optional.of("a FlashCopy establish naming it is in progress") : Optional.empty();
    }

    public static RelationshipView view(Relationship r) {
        long total = r.coveredGrains();
        long left = r.outOfSync();
        RelationshipState state = r.state();
        return new RelationshipView(
                r.id(),
                r.source().name(),
                r.target().name(),
                r.seqnum(),
                r.mode(),
                state,
                r.persistent(),
                r.targetWriteInhibit(),
                r.geometry().grainSize(),
                total,
                left,
                percent(total, left),
                r.establishedAt(),
                state == RelationshipState.COPYING ? r.measuredRateMiBps() : 0,
                r.recording(),
                r.revertArea() != null,
                r.recording() ? r.sourceChanged().count() : 0,
                r.targetChanged().count(),
                r.syncedAt(),
                r.extents() == null ? null : r.extents().extents(),
                r.onFull().label(),
                r.failedReason(),
                r.view() == null
                        ? null
                        : r.source().image().subject() + "@" + r.view().name());
    }

    public static RelationshipView view(Inactive i) {
        RelationshipRecord r = i.record();
        long total = i.bitmaps().grains();
        long left = i.bitmaps().toCopy().count() + i.bitmaps().borrowed().count();
        return new RelationshipView(
                r.id(),
                r.source(),
                r.target(),
                r.seqnum(),
                r.mode(),
                RelationshipState.INACTIVE,
                r.persistent(),
                r.targetWriteInhibit(),
                r.grainSize(),
                total,
                left,
                percent(total, left),
                Instant.parse(r.establishedAt()),
                0,
                r.recording(),
                false,
                r.recording() ? i.bitmaps().sourceChanged().count() : 0,
                i.bitmaps().targetChanged().count(),
                Instant.parse(r.t0()),
                r.extents(),
                r.effectiveOnFull().label(),
                null,
                r.view() == null ? null : r.source() + "@" + r.view());
    }

    private static double percent(long total, long left) {
        return total == 0 ? 100.0 : 100.0 * (total - left) / total;
    }
}
