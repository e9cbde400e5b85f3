package dev.flashcopy.engine.ending;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.engine.relationship.FailureRecorder;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code DATA/flash/failed.json}: the relationships whose target failed, with the reason, replaced
 * atomically. A failure is written here before the write that skips the failed target's copy goes on, so
 * after a crash recovery never trusts that target to hold T0. Kept apart from {@code relationships.json}
 * so an I/O thread records a failure without the admin lock; ids never repeat, so an entry whose
 * relationship was withdrawn is just dropped at the next open.
 *
 * <p>Thread-safe: records are serialised by the instance lock (a leaf lock, taken under grain locks).
 */
public final class FailureLog implements FailureRecorder {
    static final String FILE_NAME = "failed.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Disk disk;
    private final Path file;
    private final TreeMap<Long, String> reasons;

    private FailureLog(Disk disk, Path file, TreeMap<Long, String> reasons) {
        this.disk = disk;
        this.file = file;
        this.reasons = reasons;
    }

    public static FailureLog open(Disk disk, Path flashDir) throws IOException {
        Path file = flashDir.resolve(FILE_NAME);
        TreeMap<Long, String> reasons = new TreeMap<>();
        if (disk.exists(file)) {
            try {
                reasons.putAll(JSON.readValue(
                        AtomicFile.readChecked(disk, file, true), new TypeReference<Map<Long, String>>() {}));
            } catch (DamagedMetadataException e) {
                throw DamagedMetadataException.refused(
                        flashDir.toAbsolutePath().getParent(), e.file(), e.offset(), -1, e.getMessage());
            } catch (IOException e) {
                throw new IOException(
                        "failure log " + file + " is unreadable (" + e.getMessage() + "); without it"
                                + " failed targets could be taken for points in time: restore it or remove the relationships"
                                + " it names",
                        e);
            }
        }
        return new FailureLog(disk, file, reasons);
    }

    /** The ids recorded as failed (recovery does not rebuild their bitmaps). */
    public synchronized Set<Long> ids() {
        return Set.copyOf(reasons.keySet());
    }

    @Override
    public synchronized void record(Relationship rel, String reason) throws IOException {
        reasons.put(rel.id(), reason);
        try {
            // Durability: the failure must be durable before the write that skips this target's copy runs.
            AtomicFile.replaceChecked(disk, file, JSON.writeValueAsBytes(reasons));
        } catch (IOException e) {
            reasons.remove(rel.id());
            throw e;
        }
    }

    /** At open: marks the live relationships that failed before; forgets ids no longer live. */
    public synchronized int applyTo(Collection<Relationship> live) throws IOException {
        int marked = 0;
        TreeMap<Long, String> kept = new TreeMap<>();
        for (Relationship r : live) {
            String reason = reasons.get(r.id());
            if (reason != null) {
                r.markFailed(reason);
                kept.put(r.id(), reason);
                marked++;
            }
        }
        if (!kept.equals(reasons)) {
            reasons.clear();
            reasons.putAll(kept);
            // Durability: only entries of withdrawn relationships go; losing this replace in a crash is harmless.
            AtomicFile.replaceChecked(disk, file, JSON.writeValueAsBytes(reasons));
        }
        return marked;
    }
}
