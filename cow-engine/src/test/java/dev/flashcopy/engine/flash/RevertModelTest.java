package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference model for revertible relationships: one source, recording targets (a chain of up to three,
 * one larger than the source), random writes, zeroes, trims and reads everywhere, setflashrevertible,
 * commitflash, revertflash, resyncs (refused while revertible), copy steps, withdraws and new establishes,
 * clean restarts, crash restarts after a flush, and crashes in the middle of a revert (the "reverting"
 * marker left on disk, as after a kill -9 inside revertflash). The model keeps per target its current bytes
 * and its committed bytes: a revert makes them current, a commit or setflashrevertible copies current ones.
 */
class RevertModelTest {
    private static final int OPS = 3000;
    private static final List<String> TARGETS = List.of("r1", "r2", "r3");

    /** Operations per seed; RBD runs fewer (each is a round trip to the cluster), over the same seeds. */
    int ops() {
        return OPS;
    }

    /** What a run of {@link #ops()} must at least have exercised, where a full run must reach {@code full}. */
    int least(int full) {
        return ops() == OPS || full == 0 ? full : Math.max(1, (int) ((long) full * ops() / OPS));
    }

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8, 9})
    void revertibleRelationshipsMatchReferenceModel(long seed) throws Exception {
        Random rnd = new Random(seed);
        int grain = new int[] {4096, 16384, 65536}[(int) (seed % 3)];
        FlashSettings settings = FlashSettings.defaults()
                .withBackgroundCopy(false)
                .withCheckpointJournalBytes(8192)
                .withLockStripes(16);
        Map<String, byte[]> data = new HashMap<>();
        Map<String, BitSet> unknown = new HashMap<>();
        Map<String, byte[]> committed = new HashMap<>();
        Map<String, BitSet> committedUnknown = new HashMap<>();
        Map<String, Integer> stats = new TreeMap<>();
        ArrayDeque<String> recent = new ArrayDeque<>();
        long size = (long) grain * (20 + rnd.nextInt(20)) + 512L * rnd.nextInt(5);
        try (EngineFixture fx = new EngineFixture(dir.resolve("seed" + seed), settings)) {
            for (String v : List.of("r0", "r1", "r2", "r3")) {
                long s = v.equals("r3") ? size + 3L * grain : size;
                fx.store.create(v, s);
                data.put(v, new byte[(int) s]);
                unknown.put(v, new BitSet());
            }
            for (int op = 0; op < ops(); op++) {
                String ctx = "seed " + seed + " op " + op + " grain " + grain + ", recent:\n  "
                        + String.join("\n  ", recent);
                List<RelationshipView> rels = fx.engine.relationships().list();
                List<String> vols = List.of("r0", "r1", "r2", "r3");
                String v = vols.get(rnd.nextInt(vols.size()));
                int vsize = data.get(v).length;
                RelationshipView r = rels.isEmpty() ? null : rels.get(rnd.nextInt(rels.size()));
                int dice = rnd.nextInt(100);
                String did;
                if (dice < 32) {
                    int off = rnd.nextInt(vsize);
                    int len = 1 + rnd.nextInt(Math.min(3 * grain, vsize - off));
                    byte[] bytes = new byte[len];
                    rnd.nextBytes(bytes);
                    int kind = rnd.nextInt(10);
                    if (kind < 7) {
                        fx.write(v, off, bytes);
                    } else if (kind < 9) {
                        fx.zero(v, off, len);
                        bytes = new byte[len];
                    } else {
                        fx.dev(v).trim(off, len, false);
                        bytes = new byte[len];
                    }
                    System.arraycopy(bytes, 0, data.get(v), off, len);
                    unknown.get(v).clear(off, off + len);
                    did = (kind < 7 ? "write " : kind < 9 ? "zero " : "trim ") + v + " " + off + "+" + len;
                } else if (dice < 52) {
                    int off = rnd.nextInt(vsize);
                    int len = 1 + rnd.nextInt(Math.min(5 * grain, vsize - off));
                    check(data, unknown, v, off, fx.read(v, off, len), ctx);
                    did = "read " + v + " " + off + "+" + len;
                } else if (dice < 58) {
                    List<String> free = TARGETS.stream()
                            .filter(t -> rels.stream().noneMatch(x -> x.target().equals(t)))
                            .toList();
                    if (free.isEmpty()) {
                        did = "establish skipped";
                    } else {
                        String t = free.get(rnd.nextInt(free.size()));
                        fx.establish(
                                "r0",
                                t,
                                EstablishOptions.defaults()
                                        .withGrainSize(grain)
                                        .withRecording(true)
                                        .withMode(rnd.nextBoolean() ? CopyMode.COPY : CopyMode.NOCOPY));
                        System.arraycopy(data.get("r0"), 0, data.get(t), 0, (int) size);
                        unknown.get(t).clear(0, (int) size);
                        did = "establish r0:" + t;
                    }
                } else if (dice < 64 && r != null && r.revertible()) {
                    Exception e = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.revertibles().setRevertible(r.source(), r.target()));
                    assertTrue(e.getMessage().contains("already revertible"), e.getMessage());
                    did = "refused setrevertible " + r.target();
                } else if (dice < 64 && r != null) {
                    RelationshipView after = fx.engine.revertibles().setRevertible(r.source(), r.target());
                    assertTrue(after.revertible(), "lsflash says revertible\n" + ctx);
                    committed.put(r.target(), data.get(r.target()).clone());
                    committedUnknown.put(
                            r.target(), (BitSet) unknown.get(r.target()).clone());
                    did = "setrevertible " + r.target();
                } else if (dice < 70 && r != null) {
                    if (!r.revertible()) {
                        Exception e = assertThrows(
                                IllegalStateException.class,
                                () -> fx.engine.revertibles().commit(r.source(), r.target()));
                        assertTrue(e.getMessage().contains("not revertible"), e.getMessage());
                        did = "refused commit " + r.target();
                    } else {
                        fx.engine.revertibles().commit(r.source(), r.target());
                        committed.put(r.target(), data.get(r.target()).clone());
                        committedUnknown.put(
                                r.target(), (BitSet) unknown.get(r.target()).clone());
                        did = "commit " + r.target();
                    }
                } else if (dice < 77 && r != null && r.revertible()) {
                    fx.engine.revertibles().revert(r.source(), r.target());
                    data.put(r.target(), committed.get(r.target()).clone());
                    unknown.put(r.target(), (BitSet)
                            committedUnknown.get(r.target()).clone());
                    did = "revert " + r.target();
                } else if (dice < 79 && r != null && r.revertible()) {
                    for (String name : vols) {
                        fx.dev(name).flush();
                    }
                    // A revert marked as started, as revertflash does first (through the fixture's disk: a file, or an
                    // object when the metadata is in RADOS).
                    AtomicFile.replace(
                            fx.disk,
                            fx.dir.resolve("flash").resolve("revert-" + r.id() + ".reverting"),
                            "x".getBytes());
                    fx.crashAndReopen();
                    data.put(r.target(), committed.get(r.target()).clone());
                    unknown.put(r.target(), (BitSet)
                            committedUnknown.get(r.target()).clone());
                    assertTrue(
                            fx.engine.recoveryReport().stream().anyMatch(l -> l.contains("interrupted revertflash")),
                            fx.engine.recoveryReport().toString());
                    did = "crash-mid-revert " + r.target();
                } else if (dice < 82 && r != null) {
                    PairSpec p = new PairSpec(r.source(), r.target());
                    if (r.revertible()) {
                        Exception e = assertThrows(
                                IllegalStateException.class,
                                () -> fx.engine.resync(List.of(p), ResyncOptions.recordAgain()));
                        assertTrue(e.getMessage().contains("revertible"), e.getMessage());
                        did = "refused resync " + r.target();
                    } else {
                        fx.engine.resync(List.of(p), ResyncOptions.recordAgain());
                        System.arraycopy(data.get("r0"), 0, data.get(r.target()), 0, (int) size);
                        unknown.get(r.target()).clear(0, (int) size);
                        did = "resync " + r.target();
                    }
                } else if (dice < 85 && r != null) {
                    GrainBitmap left = fx.engine
                            .relationships()
                            .toCopy(r.source(), r.target())
                            .orElseThrow();
                    for (long g = left.nextSet(0); g >= 0; g = left.nextSet(g + 1)) {
                        unknown.get(r.target()).set((int) (g * grain), (int) Math.min(size, (g + 1) * grain));
                    }
                    fx.engine.withdraw(r.source(), r.target(), false, true, OptionalLong.empty());
                    assertFalse(fx.disk.exists(fx.dir.resolve("flash").resolve("revert-" + r.id() + ".log")));
                    did = "force withdraw " + r.target() + " (" + left.count() + " left)";
                } else if (dice < 92 && r != null) {
                    long left = fx.engine.copies().step(r.source(), r.target(), (long) grain * (1 + rnd.nextInt(6)));
                    did = "copy step " + r.target() + " -> " + left;
                } else if (dice < 95) {
                    fx.dev(v).flush();
                    did = "flush " + v;
                } else if (dice < 97) {
                    fx.reopen();
                    did = "reopen";
                } else if (dice < 99) {
                    for (String name : vols) {
                        fx.dev(name).flush();
                    }
                    fx.crashAndReopen();
                    did = "flush all, crash, reopen";
                } else {
                    for (String name : vols) {
                        check(data, unknown, name, 0, fx.read(name, 0, data.get(name).length), ctx + " (full)");
                    }
                    did = "verify all";
                }
                stats.merge(did.split(" ")[0], 1, Integer::sum);
                recent.addLast(did);
                if (recent.size() > 25) {
                    recent.removeFirst();
                }
            }
            assertTrue(stats.getOrDefault("revert", 0) >= least(20), stats.toString());
            assertTrue(stats.getOrDefault("commit", 0) >= least(10), stats.toString());
            assertTrue(stats.getOrDefault("crash-mid-revert", 0) >= least(3), stats.toString());
            assertTrue(stats.getOrDefault("refused", 0) >= least(5), stats.toString());
            for (String name : data.keySet()) {
                check(data, unknown, name, 0, fx.read(name, 0, data.get(name).length), "final verify " + seed);
            }
            assertEquals(4, fx.store.records().size());
        }
    }

    private static void check(
            Map<String, byte[]> model, Map<String, BitSet> unknown, String v, int off, byte[] got, String ctx) {
        byte[] want = model.get(v);
        for (int i = 0; i < got.length; i++) {
            if (!unknown.get(v).get(off + i) && got[i] != want[off + i]) {
                fail("volume " + v + " byte " + (off + i) + ": read " + got[i] + ", model has " + want[off + i] + "\n"
                        + ctx);
            }
        }
    }
}
