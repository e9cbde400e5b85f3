package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
 * The reference model for extent relationships: volumes of different sizes, relationships over 1 to 3
 * random grain-aligned ranges (between two volumes or within one), several of them sharing a source or a
 * target volume (made by separate establishes, the same pair too), random writes, zeroes, trims and reads
 * on every volume, copy steps, withdraws (forced, copy-first), flushes, clean restarts and crash restarts
 * after a flush. The model is one byte array per volume; an establish copies each source range's bytes to
 * its target range at T0, and nothing else links the volumes. Invalid ranges (misaligned, past an end,
 * overlapping, a target range over another relationship's target or source range) are tried now and then
 * and must be refused with their reason.
 */
class ExtentModelTest {
    private static final int OPS = 3000;
    private static final List<String> NAMES = List.of("e0", "e1", "e2", "e3");

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
    @ValueSource(longs = {101, 202, 303})
    void extentRelationshipsMatchReferenceModel(long seed) throws Exception {
        Random rnd = new Random(seed);
        int grain = new int[] {4096, 16384, 65536}[(int) (seed % 3)];
        FlashSettings settings = FlashSettings.defaults()
                .withBackgroundCopy(false)
                .withCheckpointJournalBytes(8192)
                .withLockStripes(16);
        Map<String, byte[]> model = new HashMap<>();
        Map<String, BitSet> unknown = new HashMap<>();
        Map<String, Integer> stats = new TreeMap<>();
        ArrayDeque<String> recent = new ArrayDeque<>();
        try (EngineFixture fx = new EngineFixture(dir.resolve("seed" + seed), settings)) {
            for (String v : NAMES) {
                long size = (long) grain * (24 + rnd.nextInt(40)) + (rnd.nextBoolean() ? 0 : 512L * rnd.nextInt(7));
                fx.store.create(v, size);
                model.put(v, new byte[(int) size]);
                unknown.put(v, new BitSet());
            }
            for (int op = 0; op < ops(); op++) {
                String ctx = "seed " + seed + " op " + op + " grain " + grain + ", recent:\n  "
                        + String.join("\n  ", recent);
                List<RelationshipView> rels = fx.engine.relationships().list();
                String v = NAMES.get(rnd.nextInt(NAMES.size()));
                int size = model.get(v).length;
                int dice = rnd.nextInt(100);
                String did;
                if (dice < 35) {
                    int off = rnd.nextInt(size);
                    int len = 1 + rnd.nextInt(Math.min(3 * grain, size - off));
                    byte[] bytes = new byte[len];
                    rnd.nextBytes(bytes);
                    int kind = rnd.nextInt(10);
                    if (kind < 7 && len > 1 && rnd.nextBoolean()) {
                        int cut = 1 + rnd.nextInt(len - 1); // a gathered write, as NBD hands large requests over
                        fx.dev(v)
                                .write(
                                        off,
                                        new ByteBuffer[] {
                                            ByteBuffer.wrap(bytes, 0, cut), ByteBuffer.wrap(bytes, cut, len - cut)
                                        },
                                        false);
                    } else if (kind < 7) {
                        fx.write(v, off, bytes);
                    } else if (kind < 9) {
                        fx.zero(v, off, len);
                        bytes = new byte[len];
                    } else {
                        fx.dev(v).trim(off, len, false);
                        bytes = new byte[len];
                    }
                    System.arraycopy(bytes, 0, model.get(v), off, len);
                    unknown.get(v).clear(off, off + len);
                    did = (kind < 7 ? "write " : kind < 9 ? "zero " : "trim ") + v + " " + off + "+" + len;
                } else if (dice < 60) {
                    int off = rnd.nextInt(size);
                    int len = 1 + rnd.nextInt(Math.min(5 * grain, size - off));
                    check(model, unknown, v, off, fx.read(v, off, len), ctx);
                    did = "read " + v + " " + off + "+" + len;
                } else if (dice < 70) {
                    did = establish(fx, model, unknown, rnd, rels, grain);
                } else if (dice < 75 && !rels.isEmpty()) {
                    did = withdraw(fx, unknown, rnd, rels.get(rnd.nextInt(rels.size())), grain);
                } else if (dice < 79 && !rels.isEmpty()) {
                    did = resync(fx, model, unknown, rnd, rels.get(rnd.nextInt(rels.size())));
                } else if (dice < 88 && !rels.isEmpty()) {
                    RelationshipView r = rels.get(rnd.nextInt(rels.size()));
                    long left = fx.engine.copies().step(r.source(), r.target(), (long) grain * (1 + rnd.nextInt(6)));
                    did = "copy step " + r.source() + ":" + r.target() + " -> " + left + " left";
                } else if (dice < 93) {
                    fx.dev(v).flush();
                    did = "flush " + v;
                } else if (dice < 95) {
                    fx.reopen();
                    did = "reopen";
                } else if (dice < 97) {
                    for (String name : NAMES) {
                        fx.dev(name).flush();
                    }
                    fx.crashAndReopen();
                    did = "flush all, crash, reopen";
                } else {
                    for (String name : NAMES) {
                        check(model, unknown, name, 0, fx.read(name, 0, model.get(name).length), ctx + " (full)");
                    }
                    did = "verify all";
                }
                stats.merge(did.split(" ")[0], 1, Integer::sum);
                if (did.endsWith(" shared")) {
                    stats.merge("shared", 1, Integer::sum);
                }
                recent.addLast(did);
                if (recent.size() > 25) {
                    recent.removeFirst();
                }
            }
            assertTrue(stats.getOrDefault("establish", 0) >= least(15), stats.toString());
            assertTrue(stats.getOrDefault("same-volume", 0) >= least(3), stats.toString());
            assertTrue(stats.getOrDefault("refused", 0) >= least(5), stats.toString());
            assertTrue(stats.getOrDefault("shared", 0) >= least(10), stats.toString());
            assertTrue(stats.getOrDefault("overlap-refused", 0) >= least(2), stats.toString());
            assertTrue(stats.getOrDefault("resync", 0) >= least(10), stats.toString());
            assertTrue(
                    stats.getOrDefault("force", 0) + stats.getOrDefault("copy-first", 0) >= least(4), stats.toString());
            for (String name : NAMES) {
                check(model, unknown, name, 0, fx.read(name, 0, model.get(name).length), "final verify " + seed);
            }
        }
    }

    private static String establish(
            EngineFixture fx,
            Map<String, byte[]> model,
            Map<String, BitSet> unknown,
            Random rnd,
            List<RelationshipView> rels,
            int grain)
            throws Exception {
        String s = NAMES.get(rnd.nextInt(NAMES.size()));
        String t = rnd.nextInt(3) == 0 ? s : NAMES.get(rnd.nextInt(NAMES.size()));
        long sGrains = model.get(s).length / grain;
        long tGrains = model.get(t).length / grain;
        // Grains of each volume already a target range, or a source range, of a live relationship.
        Map<String, BitSet> asTarget = new HashMap<>();
        Map<String, BitSet> asSource = new HashMap<>();
        NAMES.forEach(n -> asTarget.put(n, new BitSet()));
        NAMES.forEach(n -> asSource.put(n, new BitSet()));
        for (RelationshipView r : rels) {
            for (Extent e : r.extents()) {
                asSource.get(r.source()).or(range(e.sourceOffset() / grain, e.length() / grain));
                asTarget.get(r.target()).or(range(e.targetOffset() / grain, e.length() / grain));
            }
        }
        EstablishOptions options = EstablishOptions.defaults()
                .withGrainSize(grain)
                .withMode(rnd.nextBoolean() ? CopyMode.COPY : CopyMode.NOCOPY)
                .withPersistent(rnd.nextBoolean())
                .withRecording(rnd.nextInt(3) == 0);
        if (rnd.nextInt(6) == 0) {
            return refusal(fx, rnd, s, t, options, grain, sGrains, tGrains);
        }
        if (rnd.nextInt(6) == 0 && !asTarget.get(t).isEmpty()) {
            return overlapRefusal(fx, rnd, s, t, options, grain, sGrains, asTarget.get(t));
        }
        List<Extent> extents = new ArrayList<>();
        BitSet usedS = new BitSet();
        BitSet usedT = new BitSet();
        int want = 1 + rnd.nextInt(3);
        for (int tries = 0; tries < 50 && extents.size() < want; tries++) {
            long len = 1 + rnd.nextInt(6);
            long so = rnd.nextLong(sGrains - len + 1);
            long to = rnd.nextLong(tGrains - len + 1);
            BitSet sr = range(so, len);
            BitSet tr = range(to, len);
            boolean same = s.equals(t);
            if (sr.intersects(usedS)
                    || tr.intersects(usedT)
                    || (same && (sr.intersects(usedT) || tr.intersects(usedS) || sr.intersects(tr)))
                    || sr.intersects(asTarget.get(s))
                    || tr.intersects(asTarget.get(t))
                    || tr.intersects(asSource.get(t))) {
                continue;
            }
            usedS.or(sr);
            usedT.or(tr);
            extents.add(new Extent(so * grain, to * grain, len * grain));
        }
        if (extents.isEmpty()) {
            return "establish skipped (no free range)";
        }
        fx.engine.establish(List.of(new PairSpec(s, t, extents)), options);
        boolean shared = rels.stream()
                .anyMatch(r -> List.of(r.source(), r.target()).contains(s)
                        || List.of(r.source(), r.target()).contains(t));
        byte[] src = model.get(s).clone();
        BitSet srcUnknown = (BitSet) unknown.get(s).clone();
        for (Extent e : extents) {
            System.arraycopy(src, (int) e.sourceOffset(), model.get(t), (int) e.targetOffset(), (int) e.length());
            for (int i = 0; i < e.length(); i++) {
                unknown.get(t).set((int) e.targetOffset() + i, srcUnknown.get((int) e.sourceOffset() + i));
            }
        }
        return (s.equals(t) ? "same-volume establish " : "establish ") + s + ":" + t + " " + extents + " "
                + options.mode() + (shared ? " shared" : "");
    }

    private static String refusal(
            EngineFixture fx,
            Random rnd,
            String s,
            String t,
            EstablishOptions options,
            int grain,
            long sGrains,
            long tGrains) {
        List<Extent> bad;
        String reason;
        switch (rnd.nextInt(3)) {
            case 0 -> {
                bad = List.of(new Extent(grain / 2, 0, grain));
                reason = "not a multiple of the grain";
            }
            case 1 -> {
                bad = List.of(new Extent(0, (tGrains - 1) * grain, 2L * grain));
                reason = "past the target's end";
            }
            default -> {
                bad = List.of(new Extent(0, 0, 2L * grain), new Extent(grain, 4L * grain, 2L * grain));
                reason = "overlap";
            }
        }
        if (s.equals(t) && reason.equals("past the target's end")) {
            bad = List.of(new Extent(0, 0, grain)); // on one volume the same range is source and target
            reason = "must not overlap";
        }
        List<Extent> extents = bad;
        Exception e = assertThrows(
                IllegalArgumentException.class,
                () -> fx.engine.establish(List.of(new PairSpec(s, t, extents)), options));
        assertTrue(e.getMessage().contains(reason) && e.getMessage().contains("extent"), e.getMessage());
        return "refused " + s + ":" + t + " " + bad + " (" + reason + ")";
    }

    /**
     * Resyncs {@code r}'s pair: every relationship of it takes a new T0, where its target ranges read the
     * source ranges as they are now; one that does not record is refused with the rule.
     */
    private static String resync(
            EngineFixture fx, Map<String, byte[]> model, Map<String, BitSet> unknown, Random rnd, RelationshipView r)
            throws Exception {
        List<RelationshipView> all = fx.engine.relationships().list().stream()
                .filter(x -> x.source().equals(r.source()) && x.target().equals(r.target()))
                .toList();
        PairSpec pair = new PairSpec(r.source(), r.target());
        ResyncOptions options = rnd.nextInt(4) == 0
                ? new ResyncOptions(false, rnd.nextBoolean(), false, OptionalLong.empty())
                : ResyncOptions.recordAgain();
        if (all.stream().anyMatch(x -> !x.recording())) {
            Exception e = assertThrows(IllegalStateException.class, () -> fx.engine.resync(List.of(pair), options));
            assertTrue(
                    e.getMessage().contains("needs a relationship made or last resynced with --record"),
                    e.getMessage());
            return "resync-refused " + pair;
        }
        fx.engine.resync(List.of(pair), options);
        byte[] src = model.get(r.source()).clone();
        BitSet srcUnknown = (BitSet) unknown.get(r.source()).clone();
        for (RelationshipView x : all) {
            for (Extent e : x.extents()) {
                System.arraycopy(
                        src, (int) e.sourceOffset(), model.get(r.target()), (int) e.targetOffset(), (int) e.length());
                for (int i = 0; i < e.length(); i++) {
                    unknown.get(r.target()).set((int) e.targetOffset() + i, srcUnknown.get((int) e.sourceOffset() + i));
                }
            }
        }
        return "resync " + pair + " (" + all.size() + ")" + (options.recording() ? "" : " without --record");
    }

    /** A range over a target range of a live relationship is refused, naming the rule. */
    private static String overlapRefusal(
            EngineFixture fx,
            Random rnd,
            String s,
            String t,
            EstablishOptions options,
            int grain,
            long sGrains,
            BitSet taken) {
        long to = taken.nextSetBit(rnd.nextInt((int) taken.length()));
        to = to < 0 ? taken.nextSetBit(0) : to;
        long so = s.equals(t) ? -1 : rnd.nextLong(sGrains);
        if (so < 0) {
            return "establish skipped (same-volume overlap)";
        }
        List<Extent> bad = List.of(new Extent(so * grain, to * grain, grain));
        Exception e = assertThrows(
                IllegalStateException.class, () -> fx.engine.establish(List.of(new PairSpec(s, t, bad)), options));
        assertTrue(
                e.getMessage().contains("(rule: a range of a volume is the target of one relationship at most)")
                        || e.getMessage()
                                .contains("(rule: a target range is never a source range of another relationship)"),
                e.getMessage());
        return "overlap-refused " + s + ":" + t + " " + bad;
    }

    /** Withdraws every relationship of {@code r}'s pair, as rmflash SRC:TGT does. */
    private static String withdraw(
            EngineFixture fx, Map<String, BitSet> unknown, Random rnd, RelationshipView r, int grain) throws Exception {
        String pair = r.source() + ":" + r.target();
        List<RelationshipView> all = fx.engine.relationships().list().stream()
                .filter(x -> x.source().equals(r.source()) && x.target().equals(r.target()))
                .toList();
        long leftGrains = 0;
        for (RelationshipView x : all) {
            leftGrains += fx.engine.relationships().toCopy(x.id()).orElseThrow().count();
        }
        if (leftGrains == 0) {
            assertTrue(fx.engine
                    .withdraw(r.source(), r.target(), false, false, OptionalLong.empty())
                    .withdrawn());
            return "withdraw complete " + pair + " (" + all.size() + ")";
        }
        if (rnd.nextBoolean()) {
            for (RelationshipView x : all) {
                GrainBitmap left = fx.engine.relationships().toCopy(x.id()).orElseThrow();
                for (long g = left.nextSet(0); g >= 0; g = left.nextSet(g + 1)) {
                    for (Extent e : x.extents()) {
                        if (g * grain >= e.sourceOffset() && g * grain < e.sourceEnd()) {
                            int at = (int) e.toTarget(g * grain);
                            unknown.get(r.target()).set(at, at + grain);
                        }
                    }
                }
            }
            fx.engine.withdraw(r.source(), r.target(), false, true, OptionalLong.empty());
            return "force withdraw " + pair + " (" + leftGrains + " grains left, " + all.size() + ")";
        }
        fx.engine.withdraw(r.source(), r.target(), true, false, OptionalLong.empty());
        for (int i = 0;
                i < 100_000
                        && fx.engine.relationships().list().stream()
                                .anyMatch(x -> x.source().equals(r.source())
                                        && x.target().equals(r.target()));
                i++) {
            fx.engine.copies().step(r.source(), r.target(), 8L * grain);
        }
        assertEquals(
                List.of(),
                fx.engine.relationships().list().stream()
                        .filter(x -> all.stream().anyMatch(y -> y.id() == x.id()))
                        .toList());
        return "copy-first withdraw " + pair + " (" + all.size() + ")";
    }

    private static BitSet range(long from, long len) {
        BitSet b = new BitSet();
        b.set((int) from, (int) (from + len));
        return b;
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
