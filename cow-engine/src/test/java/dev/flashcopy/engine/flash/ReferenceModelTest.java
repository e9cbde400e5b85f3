package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine and a reference model (one byte array per volume: what every read must return) run the same
 * random sequence of reads, writes, zeroes, trims, establishes (copy and nocopy, several targets per source
 * at different T0s), withdraws (intermediate targets, forced, copy-first), copy steps, flushes, clean
 * restarts and crash restarts after a flush. The model knows nothing of grains or chains: a target simply
 * is its source's bytes at T0. Bytes a forced withdraw leaves undefined are marked unknown. The
 * incremental variant also establishes recording pairs, resyncs them (model: the target becomes the
 * source's bytes at the new T0) and reverses them, fast or not (model: the source becomes the target's
 * bytes at that moment, and the pair runs the other way). The cascaded variant lets any volume, targets
 * included, be a source (mostly the deepest one, so chains grow past 8 levels, with siblings at each level),
 * tries cycles (refused, named), and withdraws links in the middle; the model stays the same.
 */
class ReferenceModelTest {
    private static final int OPS = 2500;
    private static final List<String> NAMES = List.of("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
    private static final List<String> CASCADE_NAMES =
            IntStream.range(0, 16).mapToObj(i -> "v" + i).toList();

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

    /**
     * Expected content per volume; bytes in {@code unknown} may read as anything. For each NOCOPY target, the
     * allocated bytes its file may hold: what it held when it became a target, plus the grains written since
     * on its source, on itself or on a sibling target (whose writes give an older sibling its copy), or that a
     * reverse or resync changed in the view of its source ({@link #spaceBound}).
     */
    private static final class Model {
        final Map<String, byte[]> data = new HashMap<>();
        final Map<String, BitSet> unknown = new HashMap<>();
        final Map<String, Long> baseline = new HashMap<>();
        final Map<String, BitSet> touched = new HashMap<>();

        void bound(String target, long allocated) {
            baseline.put(target, allocated);
            touched.put(target, new BitSet());
        }

        void unbound(String target) {
            baseline.remove(target);
            touched.remove(target);
        }

        void touch(String target, GrainBitmap grains) {
            BitSet t = touched.get(target);
            if (t != null) {
                for (long g = grains.nextSet(0); g >= 0; g = grains.nextSet(g + 1)) {
                    t.set((int) g);
                }
            }
        }

        /** The most bytes NOCOPY target {@code target}'s file may hold, or -1 when it has no bound. */
        long spaceBound(String target, int grain) {
            Long base = baseline.get(target);
            return base == null ? -1 : base + (long) touched.get(target).cardinality() * grain;
        }

        void write(String v, long off, byte[] bytes) {
            System.arraycopy(bytes, 0, data.get(v), (int) off, bytes.length);
            unknown.get(v).clear((int) off, (int) off + bytes.length);
        }

        void snapshot(String source, String target) {
            data.put(target, data.get(source).clone());
            unknown.put(target, (BitSet) unknown.get(source).clone());
        }

        void check(String v, long off, byte[] got, String context) {
            byte[] want = data.get(v);
            BitSet unk = unknown.get(v);
            for (int i = 0; i < got.length; i++) {
                int at = (int) off + i;
                if (!unk.get(at) && got[i] != want[at]) {
                    fail("volume " + v + " byte " + at + " (grain offset " + i + " of read at " + off + "): read "
                            + got[i] + ", model has " + want[at] + "\n" + context);
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 22, 33})
    void engineMatchesReferenceModel(long seed) throws Exception {
        run(seed, false);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {44, 55, 66})
    void incrementalEngineMatchesReferenceModel(long seed) throws Exception {
        run(seed, true);
    }

    /** Cascades: targets become sources (chains 8+ deep, several targets per level), any level written. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {121, 88, 99, 110})
    void cascadedEngineMatchesReferenceModel(long seed) throws Exception {
        run(seed, seed % 2 == 0, true);
    }

    private void run(long seed, boolean incremental) throws Exception {
        run(seed, incremental, false);
    }

    private void run(long seed, boolean incremental, boolean cascade) throws Exception {
        Random rnd = new Random(seed);
        int grain = new int[] {4096, 16384, 65536}[(int) (seed % 3)];
        long size = (1L << 20) * (1 + rnd.nextInt(3)) + 512L * (1 + rnd.nextInt(120));
        FlashSettings settings = FlashSettings.defaults()
                .withBackgroundCopy(false)
                .withCheckpointJournalBytes(8192)
                .withLockStripes(16);
        ArrayDeque<String> recent = new ArrayDeque<>();
        Model m = new Model();
        Map<String, Integer> stats = new TreeMap<>();
        try (EngineFixture fx = new EngineFixture(dir.resolve("seed" + seed), settings)) {
            for (String v : List.of("v0", "v1", "v2")) {
                fx.store.create(v, size);
                m.data.put(v, new byte[(int) size]);
                m.unknown.put(v, new BitSet());
                for (int i = 0; i < 4; i++) {
                    long off = rnd.nextLong(size - grain);
                    byte[] bytes = random(rnd, 1 + rnd.nextInt(2 * grain));
                    bytes = Arrays.copyOf(bytes, (int) Math.min(bytes.length, size - off));
                    fx.write(v, off, bytes);
                    m.write(v, off, bytes);
                }
            }
            EstablishOptions base = EstablishOptions.defaults().withGrainSize(grain);
            for (int op = 0; op < ops(); op++) {
                String ctx = "seed " + seed + " op " + op + ", grain " + grain + ", size " + size + ", recent:\n  "
                        + String.join("\n  ", recent);
                List<RelationshipView> rels = fx.engine.relationships().list();
                List<String> volumes =
                        fx.store.records().stream().map(r -> r.name()).toList();
                String v = volumes.get(rnd.nextInt(volumes.size()));
                int dice = rnd.nextInt(100);
                String did;
                if (dice < 30) {
                    long off = rnd.nextInt(4) == 0 ? rnd.nextLong(size / grain + 1) * grain : rnd.nextLong(size);
                    off = Math.min(off, size - 1);
                    int len = 1 + rnd.nextInt((int) Math.min(3L * grain, size - off));
                    if (rnd.nextInt(4) == 0) {
                        len = (int) Math.min((1 + rnd.nextInt(3)) * (long) grain, size - off);
                    }
                    byte[] bytes = random(rnd, len);
                    boolean zero = dice >= 24;
                    did = (zero ? (dice >= 27 ? "trim " : "zero ") : "write ") + v + " " + off + "+" + len;
                    boolean inhibited = rels.stream().anyMatch(r -> r.target().equals(v) && r.targetWriteInhibit());
                    try {
                        if (!zero) {
                            fx.write(v, off, bytes);
                        } else if (dice >= 27) {
                            fx.dev(v).trim(off, len, false);
                        } else {
                            fx.zero(v, off, len);
                        }
                        assertFalse(inhibited, "write to inhibited target succeeded\n" + ctx);
                        m.write(v, off, zero ? new byte[len] : bytes);
                        touchNear(m, rels, v, off / grain, (off + len - 1) / grain);
                    } catch (BlockIoException e) {
                        assertTrue(inhibited && e.error() == BlockError.PERMISSION, e + "\n" + ctx);
                    }
                } else if (dice < 58) {
                    long off = rnd.nextLong(size);
                    int len = 1 + rnd.nextInt((int) Math.min(4L * grain, size - off));
                    did = "read " + v + " " + off + "+" + len;
                    m.check(v, off, fx.read(v, off, len), ctx);
                } else if (dice < 66) {
                    did = establish(
                            fx,
                            m,
                            rnd,
                            rels,
                            volumes,
                            incremental && rnd.nextBoolean() ? base.withRecording(true) : base,
                            size,
                            cascade);
                    stats.merge(
                            "deepest cascade",
                            Cascades.deepest(fx.engine.relationships().list()),
                            Math::max);
                } else if (dice < 72 && !rels.isEmpty() && (!cascade || rnd.nextInt(3) > 0)) {
                    RelationshipView w = rels.get(rnd.nextInt(rels.size()));
                    did = withdraw(fx, m, rnd, w, grain, size);
                    if (rels.stream().anyMatch(x -> x.source().equals(w.target()))
                            && !did.startsWith("refused")
                            && !did.contains("wrong seqnum")) {
                        stats.merge("middle-link withdrawn", 1, Integer::sum);
                    }
                } else if (incremental && dice < 80 && !rels.isEmpty()) {
                    did = resyncOrReverse(fx, m, rnd, rels);
                } else if (dice < 90 && !rels.isEmpty()) {
                    RelationshipView r = rels.get(rnd.nextInt(rels.size()));
                    GrainBitmap before = fx.engine
                            .relationships()
                            .toCopy(r.source(), r.target())
                            .orElseThrow()
                            .copy();
                    long left = fx.engine.copies().step(r.source(), r.target(), (long) grain * (1 + rnd.nextInt(12)));
                    // copyStep copies whatever the mode (the server's copier skips NOCOPY): what it copied counts.
                    fx.engine
                            .relationships()
                            .toCopy(r.source(), r.target())
                            .ifPresent(after -> m.touch(r.target(), GrainBitmap.andNot(before, after)));
                    did = "copy step " + r.source() + ":" + r.target() + " -> " + left + " left";
                } else if (dice < 95) {
                    fx.dev(v).flush();
                    did = "flush " + v;
                } else if (dice < 97) {
                    fx.reopen();
                    did = "reopen";
                } else if (dice < 98) {
                    for (String name : volumes) {
                        fx.dev(name).flush();
                    }
                    fx.crashAndReopen();
                    did = "flush all, crash, reopen";
                } else {
                    did = "verify all";
                    for (String name : volumes) {
                        m.check(name, 0, fx.read(name, 0, (int) size), ctx + "\n(full verify)");
                    }
                }
                if (!cascade && !did.startsWith("read")) {
                    stats.merge("space bounds checked", checkSpace(fx, m, grain, ctx + "\n  " + did), Integer::sum);
                }
                stats.merge(did.contains("skipped") ? "skipped" : did.split(" ")[0], 1, Integer::sum);
                if (did.endsWith("(with other targets)")) {
                    stats.merge("reverse with other targets", 1, Integer::sum);
                }
                if (did.endsWith("(a middle link)")) {
                    stats.merge("middle-link resynced", 1, Integer::sum);
                }
                stats.merge("most relationships", rels.size(), Math::max);
                recent.addLast(did);
                if (recent.size() > 25) {
                    recent.removeFirst();
                }
            }
            // The sequence must have exercised what it claims to: chains, forced and copy-first withdraws.
            assertTrue(stats.get("most relationships") >= least(4), stats.toString());
            assertTrue(stats.getOrDefault("establish", 0) >= least(20), stats.toString());
            assertTrue(
                    stats.getOrDefault("force", 0) >= least(3) && stats.getOrDefault("copy-first", 0) >= least(3),
                    stats.toString());
            if (cascade) {
                assertTrue(stats.get("deepest cascade") >= least(8), stats.toString());
                assertTrue(stats.getOrDefault("refused-cycle", 0) >= least(3), stats.toString());
                assertTrue(stats.getOrDefault("middle-link withdrawn", 0) >= least(5), stats.toString());
            }
            if (incremental) {
                assertTrue(stats.getOrDefault("resync", 0) >= least(10), stats.toString());
                assertTrue(!cascade || stats.getOrDefault("middle-link resynced", 0) >= least(3), stats.toString());
                assertTrue(
                        stats.getOrDefault("reverse", 0) + stats.getOrDefault("fast-reverse", 0)
                                >= least(cascade ? 1 : 3),
                        stats.toString()); // inside a cascade most reverses are refused by rule
                assertTrue(
                        stats.getOrDefault("reverse with other targets", 0) >= least(cascade ? 0 : 2),
                        stats.toString());
            }
            for (String name : fx.store.records().stream().map(r -> r.name()).toList()) {
                m.check(name, 0, fx.read(name, 0, (int) size), "final verify, seed " + seed);
            }
            if (!cascade) {
                stats.merge("space bounds checked", checkSpace(fx, m, grain, "final, seed " + seed), Integer::sum);
                if (fx.exactAllocation()) {
                    assertTrue(stats.get("space bounds checked") >= least(500), stats.toString());
                }
            }
        }
    }

    private static String establish(
            EngineFixture fx,
            Model m,
            Random rnd,
            List<RelationshipView> rels,
            List<String> volumes,
            EstablishOptions base,
            long size,
            boolean cascade)
            throws Exception {
        Set<String> targets = rels.stream().map(RelationshipView::target).collect(Collectors.toSet());
        Set<String> sources = rels.stream().map(RelationshipView::source).collect(Collectors.toSet());
        List<String> srcCandidates = cascade
                ? volumes
                : volumes.stream().filter(x -> !targets.contains(x)).toList();
        if (srcCandidates.isEmpty()) {
            return "establish skipped";
        }
        String source = cascade && rnd.nextInt(3) > 0
                ? Cascades.deepestVolume(rels, srcCandidates)
                : srcCandidates.get(rnd.nextInt(srcCandidates.size()));
        List<String> ancestors = Cascades.ancestors(rels, source);
        if (cascade && !ancestors.isEmpty() && rnd.nextInt(4) == 0) {
            String top = ancestors.get(rnd.nextInt(ancestors.size()));
            Exception e = assertThrows(IllegalArgumentException.class, () -> fx.establish(source, top, base));
            assertTrue(
                    e.getMessage().contains("cycle " + top + " -> ")
                            && e.getMessage().contains(source + " -> " + top),
                    e.getMessage());
            return "refused-cycle " + source + ":" + top + ": " + e.getMessage();
        }
        if (!sources.isEmpty() && rnd.nextInt(10) == 0) {
            String badTarget = sources.iterator().next();
            if (!badTarget.equals(source) && !ancestors.contains(badTarget)) {
                Exception e = assertThrows(IllegalStateException.class, () -> fx.establish(source, badTarget, base));
                assertTrue(e.getMessage().contains("rule:"), e.getMessage());
                return "refused establish " + source + ":" + badTarget;
            }
        }
        List<String> tgtCandidates = (cascade ? CASCADE_NAMES : NAMES)
                .stream()
                        .filter(x -> !x.equals(source) && !targets.contains(x) && !sources.contains(x))
                        .toList();
        if (tgtCandidates.isEmpty()) {
            return "establish skipped";
        }
        List<String> chosen = new ArrayList<>(List.of(tgtCandidates.get(rnd.nextInt(tgtCandidates.size()))));
        if (tgtCandidates.size() > 1 && rnd.nextInt(3) == 0) {
            String second = tgtCandidates.get(rnd.nextInt(tgtCandidates.size()));
            if (!chosen.contains(second)) {
                chosen.add(second);
            }
        }
        EstablishOptions options = base.withMode(rnd.nextBoolean() ? CopyMode.COPY : CopyMode.NOCOPY)
                .withPersistent(rnd.nextBoolean())
                .withTargetWriteInhibit(rnd.nextInt(10) == 0)
                .withSeqnum(rnd.nextInt(4));
        if (base.recording()) {
            options = options.withRecording(true);
        }
        List<PairSpec> pairs = chosen.stream().map(t -> new PairSpec(source, t)).toList();
        List<RelationshipView> made;
        try {
            made = fx.engine.establish(pairs, options);
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains("fast reverse"), e.getMessage());
            return "refused establish from a borrowing source " + source;
        }
        assertEquals(pairs.size(), made.size());
        for (String t : chosen) {
            m.snapshot(source, t);
            assertEquals(size, fx.store.get(t).size());
            if (options.mode() == CopyMode.NOCOPY) {
                m.bound(t, fx.store.get(t).image().allocatedBytes());
            }
        }
        return "establish " + pairs + " " + options.mode() + (options.persistent() ? " persistent" : "")
                + (options.targetWriteInhibit() ? " tgtinhibit" : "");
    }

    private static String withdraw(EngineFixture fx, Model m, Random rnd, RelationshipView r, int grain, long size)
            throws Exception {
        String pair = r.source() + ":" + r.target();
        // A withdrawn target (and, for a middle link, the level below, which gets what the target still read
        // from above) is bounded no more.
        Runnable unbound = () -> {
            m.unbound(r.target());
            fx.engine.relationships().list().stream()
                    .filter(x -> x.source().equals(r.target()))
                    .forEach(x -> m.unbound(x.target()));
        };
        if (fx.engine
                        .relationships()
                        .toCopy(r.source(), r.target())
                        .orElseThrow()
                        .count()
                == 0) {
            unbound.run();
            assertTrue(fx.engine
                    .withdraw(r.source(), r.target(), false, false, OptionalLong.empty())
                    .withdrawn());
            return "withdraw complete " + pair;
        }
        switch (rnd.nextInt(4)) {
            case 0 -> {
                Exception e = assertThrows(
                        IllegalStateException.class,
                        () -> fx.engine.withdraw(r.source(), r.target(), false, false, OptionalLong.empty()));
                assertTrue(e.getMessage().contains("--force"), e.getMessage());
                return "refused withdraw " + pair;
            }
            case 1 -> {
                GrainBitmap left =
                        fx.engine.relationships().toCopy(r.source(), r.target()).orElseThrow();
                for (long g = left.nextSet(0); g >= 0; g = left.nextSet(g + 1)) {
                    m.unknown.get(r.target()).set((int) (g * grain), (int) Math.min(size, (g + 1) * grain));
                }
                unbound.run();
                fx.engine.withdraw(r.source(), r.target(), false, true, OptionalLong.of(r.seqnum()));
                return "force withdraw " + pair + " (" + left.count() + " grains left)";
            }
            case 2 -> {
                unbound.run();
                assertFalse(fx.engine
                        .withdraw(r.source(), r.target(), true, false, OptionalLong.empty())
                        .withdrawn());
                for (int i = 0;
                        i < 100_000 && fx.engine.relationships().list().stream().anyMatch(x -> x.id() == r.id());
                        i++) {
                    fx.engine.copies().step(r.source(), r.target(), 64L * grain);
                }
                assertTrue(
                        fx.engine.relationships().list().stream().noneMatch(x -> x.id() == r.id()),
                        "copy-first withdraw ended");
                return "copy-first withdraw " + pair;
            }
            default -> {
                Exception e = assertThrows(
                        IllegalArgumentException.class,
                        () -> fx.engine.withdraw(r.source(), r.target(), false, true, OptionalLong.of(r.seqnum() + 1)));
                assertTrue(e.getMessage().contains("seqnum"), e.getMessage());
                return "withdraw with wrong seqnum refused " + pair;
            }
        }
    }

    private static String resyncOrReverse(EngineFixture fx, Model m, Random rnd, List<RelationshipView> rels)
            throws Exception {
        RelationshipView r = rels.get(rnd.nextInt(rels.size()));
        String pair = r.source() + ":" + r.target();
        PairSpec spec = new PairSpec(r.source(), r.target());
        boolean others = rels.stream().anyMatch(x -> x.source().equals(r.source()) && x.id() != r.id());
        boolean targetHasTargets = rels.stream().anyMatch(x -> x.source().equals(r.target()));
        boolean sourceIsTarget = rels.stream().anyMatch(x -> x.target().equals(r.source()));
        long toCopy = fx.engine
                .relationships()
                .toCopy(r.source(), r.target())
                .orElseThrow()
                .count();
        if (rnd.nextInt(3) > 0) {
            ResyncOptions options = rnd.nextInt(8) == 0
                    ? new ResyncOptions(false, rnd.nextBoolean(), false, OptionalLong.empty())
                    : ResyncOptions.recordAgain();
            if (!r.recording()) {
                Exception e = assertThrows(IllegalStateException.class, () -> fx.engine.resync(List.of(spec), options));
                assertTrue(e.getMessage().contains("does not record"), e.getMessage());
                return "refused resync (not recording) " + pair;
            }
            if (targetHasTargets) {
                BitmapSet before = fx.engine
                        .relationships()
                        .bitmaps(r.source(), r.target())
                        .orElseThrow();
                GrainBitmap changed = GrainBitmap.union(before.sourceChanged(), before.targetChanged());
                rels.stream().filter(x -> x.source().equals(r.target())).forEach(x -> m.touch(x.target(), changed));
            }
            fx.engine.resync(List.of(spec), options);
            m.snapshot(r.source(), r.target());
            return "resync " + pair + (options.recording() ? "" : " (recording off)")
                    + (targetHasTargets ? " (a middle link)" : "");
        }
        boolean fast = rnd.nextBoolean();
        ReverseOptions options = new ReverseOptions(rnd.nextInt(4) > 0, rnd.nextBoolean(), fast);
        if (!r.recording() || targetHasTargets || sourceIsTarget || (!fast && toCopy > 0)) {
            Exception e =
                    assertThrows(IllegalStateException.class, () -> fx.engine.reverse(r.source(), r.target(), options));
            assertTrue(
                    e.getMessage()
                            .contains(
                                    !r.recording()
                                            ? "does not record"
                                            : targetHasTargets
                                                    ? "is the source of"
                                                    : sourceIsTarget ? "middle of a cascade" : "--fast"),
                    e.getMessage());
            return "refused reverse " + pair;
        }
        BitmapSet before =
                fx.engine.relationships().bitmaps(r.source(), r.target()).orElseThrow();
        GrainBitmap restored = GrainBitmap.union(before.sourceChanged(), before.targetChanged(), before.borrowed());
        RelationshipView after = fx.engine.reverse(r.source(), r.target(), options);
        assertEquals(r.target(), after.source());
        assertEquals(r.mode(), after.mode(), "a reverse keeps the pair's mode");
        m.snapshot(r.target(), r.source());
        // The other targets of the source get its view of every grain the restore changes; the old target is a
        // source now, the old source a target of the pair's mode.
        rels.stream()
                .filter(x -> x.source().equals(r.source()) && x.id() != r.id())
                .forEach(x -> m.touch(x.target(), restored));
        m.unbound(r.target());
        if (after.mode() == CopyMode.NOCOPY) {
            m.bound(r.source(), fx.store.get(r.source()).image().allocatedBytes());
        }
        // The other targets keep their points in time: the model leaves them as they are.
        return (fast ? "fast-reverse " : "reverse ") + pair + " (" + toCopy + " grains to copy)"
                + (others ? " (with other targets)" : "");
    }

    /**
     * A write to {@code v} at grains {@code [g0, g1]} counts for every bounded target it may give a copy: v
     * itself, the targets of v (as a source) and the other targets of v's source (as a sibling).
     */
    private static void touchNear(Model m, List<RelationshipView> rels, String v, long g0, long g1) {
        String sourceOfV = rels.stream()
                .filter(x -> x.target().equals(v))
                .map(RelationshipView::source)
                .findFirst()
                .orElse(null);
        for (String x : List.copyOf(m.touched.keySet())) {
            String sourceOfX = rels.stream()
                    .filter(r -> r.target().equals(x))
                    .map(RelationshipView::source)
                    .findFirst()
                    .orElse(null);
            if (x.equals(v) || v.equals(sourceOfX) || (sourceOfV != null && sourceOfV.equals(sourceOfX))) {
                m.touched.get(x).set((int) g0, (int) g1 + 1);
            }
        }
    }

    /**
     * Every live NOCOPY target with a bound holds no more allocated bytes than the bound (issue 17: a NOCOPY
     * target holds at most the grains written since its T0, whatever the other relationships do). Returns
     * how many targets were checked, or -1 when the store does not count allocation by the byte (RBD counts
     * by object extents, so a bound in grains cannot be checked there).
     */
    private static int checkSpace(EngineFixture fx, Model m, int grain, String ctx) throws Exception {
        int checked = 0;
        if (!fx.exactAllocation()) {
            return -1;
        }
        for (RelationshipView r : fx.engine.relationships().list()) {
            long bound = m.spaceBound(r.target(), grain);
            if (r.mode() != CopyMode.NOCOPY || bound < 0) {
                continue;
            }
            long allocated = fx.store.get(r.target()).image().allocatedBytes();
            assertTrue(
                    allocated <= bound,
                    "NOCOPY target " + r.target() + " of " + r.source() + " holds " + allocated
                            + " bytes, more than it held at T0 plus the grains written since (" + bound + ")\n" + ctx);
            checked++;
        }
        return checked;
    }

    private static byte[] random(Random rnd, int length) {
        byte[] b = new byte[length];
        rnd.nextBytes(b);
        if (rnd.nextInt(5) == 0) {
            Arrays.fill(b, 0, length / 2, (byte) 0); // some zero runs, so grain copies punch
        }
        return b;
    }
}
