package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.check.MetadataCheck;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import dev.flashcopy.engine.volume.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * One fault in one metadata file, then a restart: every target reads exactly its T0 or is reported failed, or the
 * data directory is refused. Each case runs random host I/O and FlashCopy operations ({@link PowerLossTest#step})
 * on a {@link SimulatedDisk}, stops at a random point (every volume flushed, then the power fails), injects one
 * fault into one of {@code catalog.json}, {@code flash/relationships.json}, {@code flash/failed.json},
 * {@code flash/checkpoint} and {@code flash/journal} (a flipped bit, a torn write, a lost 4 KiB write, a write that
 * landed at the wrong offset, a truncated file), restarts, and reads every volume against {@link CrashModel}. A
 * refused restart must be one line naming fsck, {@link MetadataCheck#check} must find the damage, and after
 * {@link MetadataCheck#repair} the directory starts and every target reads its T0 or answers EIO as failed
 * (unless the damage is in a catalog, which only a backup repairs: counted apart).
 *
 * <p>Two kinds of journal fault are redrawn, not injected, and counted: a lost or torn write that only zeroes bytes
 * of the journal's last append (a power loss before that append's fsync leaves the same file, and cutting it is the
 * recovery a power loss needs), and one that takes the whole tail of the log with it, nothing written after it
 * surviving (zeroes to the end, or a cut at a whole chunk): with no later record left to contradict it, a log
 * cannot tell that from having ended there. Both limits are in docs/RELIABILITY.md.
 *
 * <p>Cases: {@code -Dflashcopy.faultCases=N} (default 300, well under two minutes; 5000 for the long run).
 */
class MetadataFaultTest {
    private static final int GRAIN = 4096;
    private static final Path DIR = Path.of("/simulated/faults");
    private static final int JOURNAL_HEADER = 16;
    private static final int JOURNAL_RECORD = 8 + 41;

    enum Fault {
        FLIP,
        TORN,
        LOST,
        MISPLACED,
        TRUNCATED
    }

    /** How one case ended. */
    enum Outcome {
        ALL_EXACT,
        SOME_FAILED,
        REFUSED,
        SILENT_WRONG,
        UNEXPECTED_ERROR
    }

    @Test
    void everyTargetReadsItsT0OrIsReportedFailedAfterOneMetadataFault() throws Exception {
        int cases = Integer.getInteger("flashcopy.faultCases", 300);
        Map<Outcome, Integer> outcomes = new TreeMap<>();
        Map<String, Integer> targets = new TreeMap<>();
        Map<String, Integer> faults = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        int[] redrawn = {0};
        int[] repaired = {0};
        for (int c = 0; c < cases; c++) {
            long seed = 7_000 + c;
            Outcome o = runCase(seed, targets, faults, wrong, redrawn, repaired);
            outcomes.merge(o, 1, Integer::sum);
        }
        System.out.println("MetadataFaultTest: " + cases + " cases: exact T0 everywhere "
                + outcomes.getOrDefault(Outcome.ALL_EXACT, 0) + ", some target reported failed (the rest exact) "
                + outcomes.getOrDefault(Outcome.SOME_FAILED, 0)
                + ", refused to start and not repairable (a catalog: restore it) "
                + outcomes.getOrDefault(Outcome.REFUSED, 0)
                + ", silent wrong reads " + outcomes.getOrDefault(Outcome.SILENT_WRONG, 0) + ", unexpected errors "
                + outcomes.getOrDefault(Outcome.UNEXPECTED_ERROR, 0) + "; targets " + targets + "; faults " + faults
                + "; refused, then served after fsck --repair " + repaired[0] + "; redrawn (journal tail losses a log"
                + " cannot see) " + redrawn[0]);
        assertEquals(
                0,
                outcomes.getOrDefault(Outcome.SILENT_WRONG, 0) + outcomes.getOrDefault(Outcome.UNEXPECTED_ERROR, 0),
                String.join("\n", wrong.subList(0, Math.min(5, wrong.size()))));
        assertTrue(
                repaired[0] > 0 && outcomes.getOrDefault(Outcome.SOME_FAILED, 0) > 0,
                "faults must be found, repaired and the damaged targets reported failed: " + outcomes);
    }

    private static Outcome runCase(
            long seed,
            Map<String, Integer> targets,
            Map<String, Integer> faults,
            List<String> wrong,
            int[] redrawn,
            int[] repaired)
            throws Exception {
        Random rnd = new Random(seed);
        SimulatedDisk disk = new SimulatedDisk(seed);
        int size = 64 << 10;
        FlashSettings settings = FlashSettings.defaults()
                .withBackgroundCopy(false)
                .withLockStripes(8)
                .withCheckpointJournalBytes(rnd.nextBoolean() ? 4096 : 1 << 20);
        CrashModel m = new CrashModel();
        EngineFixture fx = new EngineFixture(DIR, settings, disk);
        String injected = "none";
        try {
            for (String v : PowerLossTest.NAMES) {
                fx.store.create(v, size);
                m.add(v, size);
            }
            int ops = 20 + rnd.nextInt(120);
            for (int op = 0; op < ops; op++) {
                PowerLossTest.step(fx, m, rnd, GRAIN, size, "seed " + seed + " op " + op);
            }
            for (String v : PowerLossTest.NAMES) {
                fx.dev(v).flush();
                m.flush(v);
            }
            String[] what = new String[1];
            try {
                fx.powerLossThenReopen(disk, () -> what[0] = inject(disk, rnd, redrawn));
            } catch (DamagedMetadataException e) {
                injected = what[0];
                assertTrue(!e.getMessage().contains("\n") && e.getMessage().contains("fsck"), e.getMessage());
                MetadataCheck.Report check = MetadataCheck.check(disk, DIR);
                if (!check.damaged()) {
                    wrong.add(
                            "seed " + seed + ": " + injected + ": refused, but fsck finds nothing: " + e.getMessage());
                    return Outcome.UNEXPECTED_ERROR;
                }
                MetadataCheck.Report repair = MetadataCheck.repair(disk, DIR);
                if (!repair.repairable()) {
                    faults.merge(
                            injected.split(" ")[0] + " " + injected.split(" ")[1] + " refused (restore)",
                            1,
                            Integer::sum);
                    return Outcome.REFUSED;
                }
                faults.merge(injected.split(" ")[0] + " repaired", 1, Integer::sum);
                repaired[0]++;
                try {
                    fx.openAfterRefusal();
                } catch (IOException | RuntimeException again) {
                    wrong.add("seed " + seed + ": " + injected + ": still refused after fsck --repair " + repair + ": "
                            + again);
                    return Outcome.UNEXPECTED_ERROR;
                }
            } catch (IOException | RuntimeException e) {
                wrong.add("seed " + seed + ": " + what[0] + ": restart failed without naming damage: " + e);
                return Outcome.UNEXPECTED_ERROR;
            }
            injected = what[0];
            faults.merge(injected.split(" ")[0] + " served", 1, Integer::sum);
            boolean anyFailed = false;
            for (String v : PowerLossTest.NAMES) {
                RelationshipView asTarget = fx.engine.relationships().list().stream()
                        .filter(r -> r.target().equals(v))
                        .findFirst()
                        .orElse(null);
                boolean failed = asTarget != null && asTarget.failedReason() != null;
                byte[] got;
                try {
                    got = fx.read(v, 0, size);
                } catch (BlockIoException e) {
                    if (failed) {
                        targets.merge("reported failed", 1, Integer::sum);
                        anyFailed = true;
                        continue;
                    }
                    wrong.add("seed " + seed + ": " + injected + ": " + v + " answers " + e.getMessage()
                            + " without a failed relationship");
                    return Outcome.UNEXPECTED_ERROR;
                }
                if (failed) {
                    wrong.add("seed " + seed + ": " + injected + ": failed target " + v + " still reads");
                    return Outcome.SILENT_WRONG;
                }
                try {
                    m.checkAfterCrash(v, got, "seed " + seed + " after " + injected);
                } catch (AssertionError e) {
                    wrong.add("seed " + seed + ": " + injected + ": " + v + " reads wrong: "
                            + e.getMessage().lines().findFirst().orElse(""));
                    return Outcome.SILENT_WRONG;
                }
                targets.merge(asTarget != null ? "target exact" : "other volume exact", 1, Integer::sum);
            }
            return anyFailed ? Outcome.SOME_FAILED : Outcome.ALL_EXACT;
        } finally {
            fx.close();
        }
    }

    /** Injects one fault into one metadata file and says which; redraws faults a power loss also makes. */
    private static String inject(SimulatedDisk disk, Random rnd, int[] redrawn) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : List.of(
                DIR.resolve("catalog.json"),
                DIR.resolve("flash/relationships.json"),
                DIR.resolve("flash/failed.json"),
                DIR.resolve("flash/checkpoint"),
                DIR.resolve("flash/journal"))) {
            if (disk.exists(p) && disk.readAll(p).length > 0) {
                files.add(p);
            }
        }
        while (true) {
            Path file = files.get(rnd.nextInt(files.size()));
            byte[] data = disk.readAll(file);
            Fault fault = Fault.values()[rnd.nextInt(Fault.values().length)];
            int at = rnd.nextInt(data.length);
            byte[] after;
            long lastAppend = file.endsWith("journal") ? lastAppendStart(data) : Long.MAX_VALUE;
            switch (fault) {
                case FLIP -> {
                    after = data.clone();
                    after[at] ^= (byte) (1 << rnd.nextInt(8));
                }
                case TORN -> { // a write of this page kept only its first sectors: the rest of the page reads zero
                    after = data.clone();
                    int end = Math.min(data.length, (at / 4096 + 1) * 4096);
                    at = at / 512 * 512;
                    Arrays.fill(after, at, end, (byte) 0);
                }
                case LOST -> { // a page's write never reached the disk
                    after = data.clone();
                    at = at / 4096 * 4096;
                    Arrays.fill(after, at, Math.min(data.length, at + 4096), (byte) 0);
                }
                case MISPLACED -> { // a write of up to a page landed elsewhere in the file
                    after = data.clone();
                    int length = Math.min(1 + rnd.nextInt(4096), data.length - at);
                    int to = rnd.nextInt(Math.max(1, data.length - length));
                    System.arraycopy(data, at, after, to, length);
                    at = Math.min(at, to);
                }
                default -> after = Arrays.copyOf(data, at);
            }
            if (Arrays.equals(after, data)) {
                continue; // no change (zeroes over zeroes): draw again
            }
            // Judged by effect, whatever the kind: which bytes changed, and to what.
            boolean journal = file.endsWith("journal");
            int first = 0;
            while (first < Math.min(data.length, after.length) && data[first] == after[first]) {
                first++;
            }
            boolean onlyZeroed = after.length == data.length && onlyZeroedFrom(data, after, first);
            boolean onlyLastAppendLost = journal && onlyZeroed && first >= lastAppend;
            boolean wholeTailLost = journal
                    && (onlyZeroed && allZeroFrom(after, first)
                            || after.length < data.length && after.length % (64 << 10) == 0);
            if (onlyLastAppendLost || wholeTailLost) {
                redrawn[0]++;
                continue;
            }
            write(disk, file, after);
            return fault + " " + file.getFileName() + " at " + at + " of " + data.length;
        }
    }

    /** Every byte that differs from {@code from} on became zero. */
    private static boolean onlyZeroedFrom(byte[] before, byte[] after, int from) {
        for (int i = from; i < after.length; i++) {
            if (after[i] != before[i] && after[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZeroFrom(byte[] data, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Where the journal's last append starts, as its last valid record says (its header if none). */
    private static long lastAppendStart(byte[] journal) {
        ByteBuffer b = ByteBuffer.wrap(journal).order(ByteOrder.LITTLE_ENDIAN);
        long start = JOURNAL_HEADER;
        for (int k = 0; JOURNAL_HEADER + (k + 1L) * JOURNAL_RECORD <= journal.length; k++) {
            int at = JOURNAL_HEADER + k * JOURNAL_RECORD;
            if (b.getInt(at) != JOURNAL_RECORD - 8) {
                break;
            }
            long seq = b.getLong(at + 9);
            long first = b.getLong(at + 41);
            start = at - (seq - first) * JOURNAL_RECORD;
        }
        return start;
    }

    /** Replaces the file's durable content (the fault happened at rest). */
    private static void write(SimulatedDisk disk, Path file, byte[] content) throws IOException {
        DiskFile f = disk.open(file, Disk.OpenMode.CREATE_TRUNCATE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, content.length));
            MemorySegment.copy(content, 0, buf, ValueLayout.JAVA_BYTE, 0, content.length);
            long done = 0;
            while (done < content.length) {
                long n = f.pwrite(buf.asSlice(done), content.length - done, done);
                if (n < 0) {
                    throw new IOException("pwrite " + file + ": " + n);
                }
                done += n;
            }
            // Durability: the injected fault is what the next open finds.
            if (f.fsync() < 0) {
                throw new IOException("fsync " + file);
            }
        } finally {
            f.close();
        }
    }
}
