package dev.flashcopy.engine.check;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.catalog.VolumeRecord;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.journal.CheckpointFile;
import dev.flashcopy.engine.journal.JournalFile;
import dev.flashcopy.engine.recovery.Recovery;
import dev.flashcopy.engine.relationship.RelationshipCatalog;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code flashcopy fsck}: checks a stopped server's data directory and, on request, repairs it. The check reads
 * every metadata file ({@code catalog.json}, {@code flash/relationships.json}, {@code flash/failed.json},
 * {@code flash/checkpoint}, {@code flash/journal}, {@code flash/revert-ID.log}) through the same verifying readers
 * the server uses, without writing anything, and each relationship against the volumes and the checkpoint.
 *
 * <p>The repair never deletes: it records as failed, in {@code failed.json} (durably, first), every relationship
 * whose state the damage could hold (all of them when the damage cannot be pinned: a journal record's relationship
 * id is itself damaged), then renames each damaged file that would stop the start to {@code NAME.damaged} (or
 * {@code NAME.damaged-N}). A damaged volume or relationship catalog cannot be repaired this way (without it nobody
 * knows which volumes or relationships exist): it is reported, and the directory stays refused until it is restored.
 *
 * <p>Stateless and thread-safe; the caller holds the data directory's lock.
 */
public final class MetadataCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FAILED_FILE = "failed.json";
    /** How recent relationships ended ({@code engine.flash.EndingLog}); only {@code wait}'s answers depend on it. */
    static final String ENDINGS_FILE = "endings.json";

    /** One line of the report; {@code damage} when it is something to repair. */
    public record Finding(boolean damage, String line) {}

    /** What a check (or a repair) found and did; {@code repairable} is false when only a backup helps. */
    public record Report(List<Finding> findings, boolean damaged, boolean repairable, List<String> repairs) {}

    private MetadataCheck() {}

    /** Checks without changing anything. */
    public static Report check(Disk disk, Path dataDir) {
        return run(disk, dataDir.toAbsolutePath(), false);
    }

    /** Checks, then fails what the damage could hold and sets damaged files aside; never deletes. */
    public static Report repair(Disk disk, Path dataDir) {
        return run(disk, dataDir.toAbsolutePath(), true);
    }

    private static Report run(Disk disk, Path dataDir, boolean repair) {
        List<Finding> findings = new ArrayList<>();
        List<String> repairs = new ArrayList<>();
        Path flashDir = dataDir.resolve("flash");
        boolean repairable = true;

        List<VolumeRecord> volumes = List.of();
        Path catalogFile = dataDir.resolve("catalog.json");
        try {
            volumes = VolumeStore.readCatalog(disk, dataDir);
            findings.add(ok(catalogFile, volumes.size() + " volume(s), " + checksum(disk, catalogFile)));
        } catch (IOException e) {
            findings.add(damage(catalogFile, e, "restore it from a backup: the list of volumes cannot be rebuilt"));
            repairable = false;
        }
        RelationshipCatalog.Content catalog = RelationshipCatalog.Content.empty();
        Path relFile = flashDir.resolve(RelationshipCatalog.FILE_NAME);
        try {
            catalog = RelationshipCatalog.load(disk, flashDir, false);
            findings.add(ok(relFile, catalog.relationships().size() + " relationship(s), " + checksum(disk, relFile)));
        } catch (IOException e) {
            findings.add(damage(relFile, e, "restore it from a backup: without it no target keeps its point in time"));
            repairable = false;
        }

        Map<Long, String> toFail = new TreeMap<>();
        List<Path> setAside = new ArrayList<>();
        Map<Long, String> failed = new TreeMap<>();
        Path failedFile = flashDir.resolve(FAILED_FILE);
        if (disk.exists(failedFile)) {
            try {
                failed.putAll(JSON.readValue(
                        AtomicFile.readChecked(disk, failedFile, false), new TypeReference<Map<Long, String>>() {}));
                findings.add(ok(failedFile, failed.size() + " failed relationship(s), " + checksum(disk, failedFile)));
            } catch (IOException e) {
                findings.add(damage(failedFile, e, "repair fails every relationship (which had failed is unknown)"));
                failAll(catalog, toFail, failedFile + " damaged");
                setAside.add(failedFile);
            }
        }

        Path endingsFile = flashDir.resolve(ENDINGS_FILE);
        if (disk.exists(endingsFile)) {
            try {
                AtomicFile.readChecked(disk, endingsFile, false);
                findings.add(ok(endingsFile, checksum(disk, endingsFile)));
            } catch (IOException e) {
                // No point in time depends on it: repair sets it aside (the server would too), and wait then says
                // it does not know how a pair that ended earlier ended, never a wrong answer.
                findings.add(damage(endingsFile, e, "repair sets it aside; wait cannot tell how earlier pairs ended"));
                setAside.add(endingsFile);
            }
        }

        Path checkpointFile = flashDir.resolve(Recovery.CHECKPOINT_FILE);
        CheckpointFile.Content checkpoint = CheckpointFile.Content.empty();
        try {
            checkpoint = CheckpointFile.read(disk, checkpointFile);
            if (disk.exists(checkpointFile)) {
                findings.add(ok(
                        checkpointFile,
                        checkpoint.bitmaps().size() + " bitmap set(s) as of seq " + checkpoint.lastSeq() + ", CRC ok"));
            }
        } catch (IOException e) {
            findings.add(damage(checkpointFile, e, "repair fails every relationship (their bitmaps are lost)"));
            failAll(catalog, toFail, checkpointFile + " damaged");
            setAside.add(checkpointFile);
        }

        Path journalFile = flashDir.resolve(Recovery.JOURNAL_FILE);
        if (disk.exists(journalFile)) {
            String problem = null;
            try (JournalFile journal = JournalFile.open(disk, journalFile)) {
                JournalFile.Scan scan = journal.scan();
                if (scan.corrupt()) {
                    problem = scan.corruption();
                } else {
                    findings.add(ok(
                            journalFile,
                            scan.records().size() + " valid record(s)"
                                    + (scan.tailProblem() == null
                                            ? ""
                                            : ", a torn tail of " + scan.truncatedBytes()
                                                    + " byte(s) the server cuts at start (" + scan.tailProblem()
                                                    + ")")));
                }
            } catch (IOException e) {
                problem = e.getMessage();
            }
            if (problem != null) {
                findings.add(new Finding(
                        true,
                        "DAMAGED " + problem + "; the damaged record's relationship cannot be"
                                + " known: repair fails every relationship"));
                failAll(catalog, toFail, problem);
                setAside.add(journalFile);
            }
        }

        Map<String, VolumeRecord> byName = new HashMap<>();
        volumes.forEach(v -> byName.put(v.name(), v));
        for (RelationshipRecord r : catalog.relationships()) {
            String pair = "relationship " + r.id() + " " + r.source() + ":" + r.target();
            Path log = flashDir.resolve("revert-" + r.id() + ".log");
            if (disk.exists(log)) {
                try (JournalFile journal = JournalFile.open(disk, log)) {
                    JournalFile.Scan scan = journal.scan();
                    if (scan.corrupt()) {
                        findings.add(new Finding(
                                true,
                                "DAMAGED revert log of " + pair + ": " + scan.corruption()
                                        + "; repair fails this relationship"));
                        toFail.putIfAbsent(r.id(), "metadata damaged: revert log " + scan.corruption());
                    }
                } catch (IOException e) {
                    findings.add(new Finding(
                            true,
                            "DAMAGED revert log of " + pair + ": " + e.getMessage()
                                    + "; repair fails this relationship"));
                    toFail.putIfAbsent(r.id(), "metadata damaged: " + e.getMessage());
                }
            }
            VolumeRecord s = byName.get(r.source());
            VolumeRecord t = byName.get(r.target());
            BitmapSet bits = checkpoint.bitmaps().get(r.id());
            long grains = new GrainGeometry(r.grainSize(), r.size()).grains();
            String problem = volumes.isEmpty() && !repairableCatalog(findings)
                    ? null
                    : s == null
                            ? "source volume " + r.source() + " is missing"
                            : t == null
                                    ? "target volume " + r.target() + " is missing"
                                    : s.size() != r.size()
                                            ? "source is " + s.size() + " bytes (expected: " + r.size() + ")"
                                            : r.extents() == null && t.size() < r.size()
                                                    ? "target is " + t.size() + " bytes (expected: at least " + r.size()
                                                            + ")"
                                                    : bits != null && bits.grains() != grains
                                                            ? "checkpoint bitmaps have " + bits.grains()
                                                                    + " grains (expected: " + grains + ")"
                                                            : null;
            if (problem != null) {
                // The server keeps such a relationship inactive (its volumes) or refuses (its bitmaps).
                boolean bitmaps = problem.startsWith("checkpoint");
                findings.add(new Finding(
                        bitmaps,
                        (bitmaps ? "DAMAGED " : "WARNING ") + pair + ": " + problem
                                + (bitmaps
                                        ? "; repair fails it"
                                        : "; the server keeps it inactive until the volume is back")));
                if (bitmaps) {
                    toFail.putIfAbsent(r.id(), "metadata damaged: " + problem);
                }
            } else {
                findings.add(new Finding(
                        false,
                        "ok " + pair + (failed.containsKey(r.id()) ? " (failed: " + failed.get(r.id()) + ")" : "")));
            }
        }

        boolean damaged = findings.stream().anyMatch(Finding::damage);
        if (repair && damaged && repairable) {
            try {
                repairs.addAll(apply(disk, flashDir, failed, toFail, setAside));
            } catch (IOException e) {
                repairs.add("repair stopped: " + e.getMessage());
                repairable = false;
            }
        }
        return new Report(List.copyOf(findings), damaged, repairable, List.copyOf(repairs));
    }

    private static boolean repairableCatalog(List<Finding> findings) {
        return findings.stream().noneMatch(f -> f.damage() && f.line().contains("catalog.json"));
    }

    private static List<String> apply(
            Disk disk, Path flashDir, Map<Long, String> failed, Map<Long, String> toFail, List<Path> setAside)
            throws IOException {
        List<String> done = new ArrayList<>();
        Map<Long, String> reasons = new TreeMap<>(failed);
        toFail.forEach((id, reason) -> {
            if (!failed.containsKey(id)) {
                reasons.put(id, reason);
                done.add("relationship " + id + " failed: " + reason);
            }
        });
        Path failedFile = flashDir.resolve(FAILED_FILE);
        if (setAside.contains(failedFile)) {
            Path aside = asideName(disk, failedFile);
            AtomicFile.replace(disk, aside, disk.readAll(failedFile)); // a copy: failed.json never goes missing
            done.add("copied the damaged " + failedFile + " to " + aside.getFileName() + " (kept for inspection)");
        }
        // Durability: the failures are durable before any damaged file is set aside, so a crash in between
        // leaves the relationships failed and the file still there for the next repair to set aside.
        AtomicFile.replaceChecked(disk, flashDir.resolve(FAILED_FILE), JSON.writeValueAsBytes(reasons));
        for (Path p : setAside) {
            if (p.getFileName().toString().equals(FAILED_FILE)) {
                continue; // copied aside before it was replaced (below)
            }
            Path aside = asideName(disk, p);
            disk.rename(p, aside);
            done.add("set aside " + p + " as " + aside.getFileName() + " (kept for inspection)");
        }
        // Durability: the renames are durable before the repair reports the directory startable.
        disk.syncDirectory(flashDir);
        return done;
    }

    private static Path asideName(Disk disk, Path p) {
        Path aside = p.resolveSibling(p.getFileName() + ".damaged");
        for (int n = 1; disk.exists(aside); n++) {
            aside = p.resolveSibling(p.getFileName() + ".damaged-" + n);
        }
        return aside;
    }

    private static void failAll(RelationshipCatalog.Content catalog, Map<Long, String> toFail, String why) {
        for (RelationshipRecord r : catalog.relationships()) {
            toFail.putIfAbsent(r.id(), "metadata damaged: " + why);
        }
    }

    private static String checksum(Disk disk, Path file) throws IOException {
        return disk.exists(file) && AtomicFile.verify(disk, file) == AtomicFile.Check.LEGACY
                ? "no checksum yet (written before checksums; the server adds one at its next start)"
                : "checksum ok";
    }

    private static Finding ok(Path file, String what) {
        return new Finding(false, "ok " + file + ": " + what);
    }

    private static Finding damage(Path file, IOException e, String then) {
        String what = e instanceof DamagedMetadataException ? e.getMessage() : file + ": " + e.getMessage();
        int cut = what.indexOf("; nothing was changed");
        return new Finding(true, "DAMAGED " + (cut > 0 ? what.substring(0, cut) : what) + "; " + then);
    }
}
