package dev.flashcopy.engine.revertible;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.ending.FailureLog;
import dev.flashcopy.engine.freeze.WriteGates;
import dev.flashcopy.engine.image.ImageStore;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.HostIo;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.revert.RevertArea;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.concurrent.locks.Lock;

/**
 * {@code setflashrevertible}, {@code commitflash} and {@code revertflash}: a revertible relationship keeps,
 * in its {@link RevertArea}, the target's view of every grain written since the last commit (or since it
 * became revertible); a revert writes those grains back through the target's copy-on-write path (so older
 * targets, change recording and the to-copy bits stay right) and a commit forgets them. Each runs under the
 * engine's admin lock with the target's write gate closed, so it happens between host writes, never during.
 *
 * <p>Thread-safe: every public method takes the admin lock.
 */
public final class Revertibles {
    private final Lock admin;
    private final WriteGates gates;
    private final Registry registry;
    private final Disk disk;
    private final ImageStore images;
    private final Path flashDir;
    private final Journal journal;
    private final FailureLog failures;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    public Revertibles(
            Lock admin,
            WriteGates gates,
            Registry registry,
            Disk disk,
            ImageStore images,
            Path flashDir,
            Journal journal,
            FailureLog failures) {
        this.failures = failures;
        this.admin = admin;
        this.gates = gates;
        this.registry = registry;
        this.disk = disk;
        this.images = images;
        this.flashDir = flashDir;
        this.journal = journal;
    }

    /** Makes {@code source:target} revertible; the target's current state is the committed one. */
    public RelationshipView setRevertible(String source, String target) throws IOException {
        admin.lock();
        try {
            Relationship rel = live(source, target);
            if (rel.extents() != null) {
                throw new IllegalStateException("relationship " + rel + " is an extent relationship (rule: revertible"
                        + " relationships are whole-volume)");
            }
            if (!rel.recording() || !rel.persistent()) {
                throw new IllegalStateException("relationship " + source + ":" + target + " does not record changes"
                        + " (rule: setflashrevertible needs a relationship made with --record --persist)");
            }
            if (rel.revertArea() != null) {
                throw new IllegalStateException("relationship " + source + ":" + target + " is already revertible"
                        + " (commitflash makes the target's current state the committed one)");
            }
            try (WriteGates.Closed closed = gates.closeAll(new TreeSet<>(List.of(target)))) {
                // Durability: as in commit, the state being made the committed one is on stable storage (target
                // file and the bits its reads rely on) before the area exists; else a power loss could drop
                // acknowledged writes from it and a later revertflash would land on a state never committed.
                rel.target().flush();
                journal.commitAll();
                rel.setRevertArea(RevertArea.create(
                        disk,
                        images,
                        flashDir,
                        rel.id(),
                        rel.target().size(),
                        rel.geometry().grainSize()));
            }
            return Registry.view(rel);
        } finally {
            admin.unlock();
        }
    }

    /**
     * The target's current state becomes the committed one ({@code commitflash}); as in the DS CLI the
     * relationship is then no longer revertible, so resync and reverse work again.
     */
    public RelationshipView commit(String source, String target) throws IOException {
        admin.lock();
        try {
            Relationship rel = revertible(source, target);
            try (WriteGates.Closed closed = gates.closeAll(new TreeSet<>(List.of(target)))) {
                // Durability: the state being committed is on stable storage (target file and the bits its
                // reads rely on) before the undo data for it is dropped.
                rel.target().flush();
                journal.commitAll();
                rel.revertArea().commit();
                endRevertible(rel);
            }
            return Registry.view(rel);
        } finally {
            admin.unlock();
        }
    }

    /** Rolls the target back to its last committed state ({@code revertflash}); then no longer revertible. */
    public RelationshipView revert(String source, String target) throws IOException {
        admin.lock();
        try {
            Relationship rel = revertible(source, target);
            try (WriteGates.Closed closed = gates.closeAll(new TreeSet<>(List.of(target)))) {
                rel.revertArea().markReverting();
                restore(rel);
                endRevertible(rel);
            }
            return Registry.view(rel);
        } finally {
            admin.unlock();
        }
    }

    /** At open (admin work not started yet): areas back on their relationships, interrupted reverts finished. */
    public List<String> open() throws IOException {
        List<String> report = new ArrayList<>();
        for (Relationship rel : registry.live.values()) {
            if (!RevertArea.exists(disk, flashDir, rel.id())) {
                continue;
            }
            if (RevertArea.creationCutShort(disk, flashDir, rel.id())) {
                // Removed by the sweep below (its relationship does not count as revertible there).
                report.add("pass 5b (revert): the setflashrevertible of " + rel + " was cut short by a crash before"
                        + " it returned; not revertible");
                continue;
            }
            RevertArea area;
            try {
                area = RevertArea.open(
                        disk,
                        images,
                        flashDir,
                        rel.id(),
                        rel.target().size(),
                        rel.geometry().grainSize());
            } catch (DamagedMetadataException e) {
                if (e.relationshipId() != rel.id()) {
                    throw e;
                }
                // Pinned to this relationship: it fails (durably, before anything is served), the rest serve.
                // Its log stays as it is for inspection; a failed relationship is not revertible.
                String reason = "metadata damaged: " + e.getMessage();
                failures.record(rel, reason);
                rel.markFailed(reason);
                report.add("pass 5b (revert): relationship " + rel + " failed: " + e.getMessage());
                continue;
            }
            rel.setRevertArea(area);
            if (area.reverting()) {
                long grains = area.preserved().count();
                restore(rel);
                endRevertible(rel);
                report.add("pass 5b (revert): finished the interrupted revertflash of " + rel + " (" + grains
                        + " grain(s)); no longer revertible");
            }
        }
        for (Path p : disk.list(flashDir)) {
            long id = RevertArea.idOf(p);
            Relationship owner = id < 0 ? null : registry.live.get(id);
            if (id >= 0 && (owner == null ? !registry.inactive.containsKey(id) : owner.revertArea() == null)) {
                // Left by a withdraw that crashed after its catalog replace, a commit or revert that crashed while
                // ending revertibility, or a setflashrevertible cut short. Not synced: a crash before the removals
                // are durable leaves them for the next open's sweep, and ids are never reused.
                disk.deleteIfExists(p);
                // On a file store that was (or will be) the image itself; on RBD the image is apart from the files.
                RevertArea.deleteImage(images, flashDir, id);
            }
        }
        return report;
    }

    /** Closes every area's files (engine close). */
    public void close() {
        for (Relationship rel : registry.live.values()) {
            RevertArea area = rel.revertArea();
            if (area != null) {
                try {
                    area.close();
                } catch (IOException ignored) {
                    // closing file descriptors at shutdown: nothing left to protect
                }
            }
        }
    }

    /**
     * Ends revertibility after a commit or a revert (the area is empty by then): the area leaves the
     * relationship under the family's chain write lock, so no copy-on-write path still holds it, then its
     * files go. A crash between the two leaves an empty area, which the next open reattaches: still
     * revertible, nothing to undo, and a second commitflash ends it.
     */
    private void endRevertible(Relationship rel) throws IOException {
        RevertArea area = rel.revertArea();
        Family f = registry.families.get(rel.source().name());
        if (f != null) {
            f.chainLock().writeLock().lock();
        }
        try {
            rel.setRevertArea(null);
        } finally {
            if (f != null) {
                f.chainLock().writeLock().unlock();
            }
        }
        area.delete();
    }

    private void restore(Relationship rel) throws IOException {
        RevertArea area = rel.revertArea();
        String target = rel.target().name();
        long grain = area.geometry().grainSize();
        long batch = buffer.capacity() / grain;
        for (long g = area.preserved().nextSet(0); g >= 0; ) {
            long end = Math.min(area.preserved().nextClear(g), g + batch);
            long from = area.geometry().start(g);
            long to = area.geometry().end(end - 1);
            Family f = registry.families.get(target);
            if (f == null || !f.enter(target)) {
                throw new IllegalStateException("relationship " + rel + " changed during revertflash");
            }
            try {
                // Through the target's write path: older targets get their copies, bits clear, changes recorded;
                // these grains are preserved already, so nothing is saved again.
                HostIo.mutateTarget(f, rel, from, to - from, (v, o, l) -> copyBack(area, v, o, l));
            } finally {
                f.exit();
            }
            g = end >= area.geometry().grains() ? -1 : area.preserved().nextSet(end);
        }
        // Durability: the restored grains and the bits they rely on are stable before the undo data and the
        // "reverting" marker go; a crash before this finishes the revert again at open.
        rel.target().flush();
        journal.commitAll();
        area.finishReverting();
    }

    private void copyBack(RevertArea area, Volume v, long offset, long length) throws BlockIoException {
        ByteBuffer buf = buffer.clear().limit((int) length);
        area.read(offset, buf);
        buf.flip();
        v.write(offset, buf, false);
    }

    private Relationship live(String source, String target) {
        Relationship rel = registry.findLive(source, target)
                .orElseThrow(() -> new NoSuchElementException(
                        "no FlashCopy relationship " + source + ":" + target + " (see lsflash)"));
        if (rel.cleaning()) {
            throw new IllegalStateException("relationship " + source + ":" + target + " is being withdrawn");
        }
        return rel;
    }

    private Relationship revertible(String source, String target) {
        Relationship rel = live(source, target);
        if (rel.revertArea() == null) {
            throw new IllegalStateException("relationship " + source + ":" + target + " is not revertible (rule:"
                    + " run setflashrevertible first)");
        }
        return rel;
    }
}
