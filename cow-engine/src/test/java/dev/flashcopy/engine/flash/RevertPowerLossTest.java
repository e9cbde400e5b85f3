package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.volume.SimulatedDisk;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PowerLossTest}'s random run on a {@link SimulatedDisk} with revertible relationships among the
 * operations: recording establishes, {@code setflashrevertible}, writes, zeroes and trims on revertible targets,
 * {@code commitflash} and {@code revertflash}; the power fails at random syncs, often at one of a revert area's
 * files (preserve, commit, the reverting marker) or of the journal (inside a revert's copy-back). The committed
 * state is what the target read when setflashrevertible or commitflash returned. Every revert that returns, and
 * every revert the power cut short that recovery finished, leaves the target reading exactly that state; a revert
 * cut short before its marker was durable leaves the target as the crash model allows. While a commit cut short
 * leaves it open whether its log cut became durable, both states are candidates and the next revert must land on
 * one. Every other volume, sources included, is checked as in PowerLossTest; no revertible relationship loses
 * its undo area. Not thread-safe (one instance per seed).
 */
class RevertPowerLossTest {
    private static final int OPS = 1000;
    private static final List<String> LOST_IN =
            List.of("setflashrevertible", "commitflash", "revertflash", "revertible-write");
    private static final Map<String, Integer> ACROSS_SEEDS = new TreeMap<>();

    private Random rnd;
    private int grain;
    private int size;
    private EngineFixture fx;
    private final CrashModel m = new CrashModel();
    private final Map<Long, List<byte[]>> committed = new TreeMap<>(); // relationship id -> candidate states
    private final Map<String, Integer> stats = new TreeMap<>();
    private byte[] before; // the target as set/commit saw it, for one the power cut short

    /** Over all seeds, the power failed inside each revertible operation, and some reverts were finished at open. */
    @AfterAll
    static void powerFailedInsideEveryKindOfRevertibleOperation() {
        for (String kind : LOST_IN) {
            assertTrue(ACROSS_SEEDS.getOrDefault("lost-in-" + kind, 0) > 0, kind + ": " + ACROSS_SEEDS);
        }
        assertTrue(ACROSS_SEEDS.getOrDefault("revert-finished-at-open", 0) > 0, ACROSS_SEEDS.toString());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {111, 222, 333, 444, 555})
    void revertibleTargetsReturnExactlyToTheirCommittedStateAcrossPowerLosses(long seed) throws Exception {
        rnd = new Random(seed);
        grain = new int[] {4096, 16384, 65536}[(int) (seed % 3)];
        size = (256 << 10) * (1 + rnd.nextInt(3));
        SimulatedDisk disk = new SimulatedDisk(seed);
        FlashSettings settings = FlashSettings.defaults()
                .withBackgroundCopy(false)
                .withCheckpointJournalBytes(4096)
                .withLockStripes(8);
        ArrayDeque<String> recent = new ArrayDeque<>();
        try (EngineFixture f = new EngineFixture(Path.of("/simulated/revert" + seed), settings, disk)) {
            fx = f;
            for (String v : PowerLossTest.NAMES) {
                fx.store.create(v, size);
                m.add(v, size);
            }
            disk.crashAtSync(1 + rnd.nextInt(60));
            for (int op = 0; op < OPS; op++) {
                String ctx = "seed " + seed + " op " + op + ", grain " + grain + ", size " + size + ", recent:\n  "
                        + String.join("\n  ", recent);
                String did = step(ctx);
                stats.merge(did.split(" ")[0], 1, Integer::sum);
                recent.addLast(did);
                if (recent.size() > 30) {
                    recent.removeFirst();
                }
                if (disk.powerFailed()) {
                    recent.addLast(powerLoss(disk, did, ctx));
                    int where = rnd.nextInt(3);
                    if (where == 0) {
                        disk.crashAtSync(1 + rnd.nextInt(12), p -> p.endsWith("journal"));
                    } else if (where == 1) {
                        disk.crashAtSync(
                                1 + rnd.nextInt(6),
                                p -> p.getFileName().toString().startsWith("revert-"));
                    } else {
                        disk.crashAtSync(1 + rnd.nextInt(80));
                    }
                }
                reconcile(ctx);
            }
        }
        // Not vacuous: the power failed inside revertible operations, and reverts ran and were checked exactly.
        int lostInside = LOST_IN.stream()
                .mapToInt(k -> stats.getOrDefault("lost-in-" + k, 0))
                .sum();
        assertTrue(lostInside > 0, stats.toString());
        assertTrue(stats.getOrDefault("power-loss", 0) >= 10, stats.toString());
        assertTrue(stats.getOrDefault("revertflash", 0) >= 10, stats.toString());
        assertTrue(stats.getOrDefault("revert-exact", 0) >= 10, stats.toString());
        synchronized (ACROSS_SEEDS) {
            stats.forEach((k, v) -> ACROSS_SEEDS.merge(k, v, Integer::sum));
        }
        System.out.println("RevertPowerLossTest seed " + seed + ": " + stats);
    }

    private String step(String ctx) throws Exception {
        int dice = rnd.nextInt(100);
        if (dice >= 40) {
            return PowerLossTest.step(fx, m, rnd, grain, size, ctx);
        }
        List<RelationshipView> rels = fx.engine.relationships().list();
        if (dice < 8) {
            return PowerLossTest.establish(fx, m, rnd, rels, grain, true);
        }
        if (dice < 14) {
            List<RelationshipView> can =
                    rels.stream().filter(r -> r.recording() && !r.revertible()).toList();
            return can.isEmpty() ? "setflashrevertible-skipped" : makeRevertible(can.get(rnd.nextInt(can.size())), ctx);
        }
        List<RelationshipView> revertible =
                rels.stream().filter(RelationshipView::revertible).toList();
        if (revertible.isEmpty()) {
            return "revertible-skipped (none yet)";
        }
        RelationshipView r = revertible.get(rnd.nextInt(revertible.size()));
        if (dice < 29) {
            return writeTarget(r.target());
        }
        if (dice < 34) {
            return commit(r, ctx);
        }
        return revert(r, ctx);
    }

    private String makeRevertible(RelationshipView r, String ctx) throws Exception {
        before = readChecked(r.target(), ctx);
        fx.engine.revertibles().setRevertible(r.source(), r.target());
        if (!((SimulatedDisk) fx.disk).powerFailed()) {
            committed.put(r.id(), List.of(before));
            m.flush(r.target()); // the committed state is durable once the command returns
        }
        return "setflashrevertible " + r.source() + ":" + r.target() + " ";
    }

    private String commit(RelationshipView r, String ctx) throws Exception {
        before = readChecked(r.target(), ctx);
        fx.engine.revertibles().commit(r.source(), r.target());
        if (!((SimulatedDisk) fx.disk).powerFailed()) {
            committed.remove(r.id()); // DS CLI: a commit ends revertibility
            m.flush(r.target());
        }
        return "commitflash " + r.source() + ":" + r.target() + " ";
    }

    private String revert(RelationshipView r, String ctx) throws Exception {
        fx.engine.revertibles().revert(r.source(), r.target());
        if (!((SimulatedDisk) fx.disk).powerFailed()) {
            landed(r, fx.read(r.target(), 0, size), "a revertflash that returned\n" + ctx);
            committed.remove(r.id()); // DS CLI: a revert ends revertibility
        }
        return "revertflash " + r.source() + ":" + r.target() + " ";
    }

    private String writeTarget(String t) throws Exception {
        PowerLossTest.Change c = PowerLossTest.change(fx, m, rnd, t, grain, size, 8);
        return "revertible-write " + c.where() + (c.kind().equals("write") ? "" : " " + c.kind());
    }

    private byte[] readChecked(String volume, String ctx) throws Exception {
        byte[] now = fx.read(volume, 0, size);
        m.checkNow(volume, 0, now, ctx);
        return now;
    }

    /** The target reads exactly one of its committed candidates: that one is now its only committed state. */
    private void landed(RelationshipView r, byte[] got, String context) {
        List<byte[]> candidates = committed.get(r.id());
        if (candidates.stream().noneMatch(c -> Arrays.equals(c, got))) {
            assertArrayEquals(
                    candidates.get(0),
                    got,
                    r.source() + ":" + r.target() + " after a revert reads none of" + " its " + candidates.size()
                            + " committed state(s)\n" + context);
        }
        committed.put(r.id(), List.of(got));
        m.settle(r.target(), got);
        stats.merge("revert-exact", 1, Integer::sum);
    }

    private String powerLoss(SimulatedDisk disk, String did, String ctx) throws Exception {
        String kind = did.split(" ")[0];
        if (LOST_IN.contains(kind)) {
            stats.merge("lost-in-" + kind, 1, Integer::sum);
        }
        boolean admin = LOST_IN.contains(kind) && !kind.equals("revertible-write");
        String pair = admin ? did.split(" ")[1] : null;
        RelationshipView inFlight = pair == null
                ? null
                : fx.engine.relationships().list().stream()
                        .filter(r -> pair.equals(r.source() + ":" + r.target()))
                        .findFirst()
                        .orElse(null);
        PowerLossTest.AfterCrash check = (v, got, context) -> {
            if (!kind.equals("revertflash") || !v.equals(inFlight.target())) {
                return m.checkAfterCrash(v, got, context);
            }
            boolean finished = fx.engine.recoveryReport().stream()
                    .anyMatch(l -> l.contains("finished the interrupted revertflash of " + pair + "#"));
            if (finished) {
                // Its marker was durable, so recovery finished it: exactly the committed state.
                stats.merge("revert-finished-at-open", 1, Integer::sum);
                landed(inFlight, got, "a revertflash the power cut short, finished at open\n" + context);
                return 0;
            }
            if (committed.get(inFlight.id()).stream().anyMatch(c -> Arrays.equals(c, got))) {
                // It had finished before the loss (or never wrote anything): a committed state. The candidates
                // stay, since a revert that never started settled nothing.
                stats.merge("revert-reads-committed", 1, Integer::sum);
                m.settle(v, got);
                return 0;
            }
            stats.merge("revert-not-started", 1, Integer::sum); // the marker was lost: no target write had begun
            return m.checkAfterCrash(v, got, context);
        };
        String result = PowerLossTest.powerLoss(fx, disk, m, did, size, stats, ctx, check);
        if (inFlight != null && (kind.equals("setflashrevertible") || kind.equals("commitflash"))) {
            RelationshipView now = fx.engine.relationships().list().stream()
                    .filter(r -> r.id() == inFlight.id())
                    .findFirst()
                    .orElseThrow();
            byte[] got = fx.read(now.target(), 0, size);
            if (kind.equals("setflashrevertible") && now.revertible()) {
                // The area exists only after the target was flushed: the committed state is the one set saw.
                assertArrayEquals(before, got, pair + " revertible after a setflashrevertible cut short\n" + ctx);
                committed.put(now.id(), List.of(got));
                stats.merge("set-survived", 1, Integer::sum);
            } else if (kind.equals("commitflash") && Arrays.equals(before, got)) {
                // The commit's flush may have completed and its log cut with it, or not: either state may hold.
                List<byte[]> either = new ArrayList<>(committed.get(now.id()));
                either.add(got);
                committed.put(now.id(), List.copyOf(either));
            } // else the commit's flush never completed, so its log cut did not either: the old state holds
        }
        if (inFlight != null && (kind.equals("commitflash") || kind.equals("revertflash"))) {
            // Cut short after its undo area went (or a revert finished at open): no longer revertible. Cut short
            // before, it still is, with the candidates above.
            fx.engine.relationships().list().stream()
                    .filter(r -> r.id() == inFlight.id() && !r.revertible())
                    .findFirst()
                    .ifPresent(r -> {
                        committed.remove(r.id());
                        stats.merge("ended-revertible-" + kind, 1, Integer::sum);
                    });
        }
        return result;
    }

    /** Every revertible relationship is in the model and the other way round (withdrawn ones leave both). */
    private void reconcile(String ctx) {
        List<RelationshipView> rels = fx.engine.relationships().list();
        committed.keySet().removeIf(id -> rels.stream().noneMatch(r -> r.id() == id));
        for (RelationshipView r : rels) {
            if (r.revertible() != committed.containsKey(r.id())) {
                fail(r.source() + ":" + r.target() + " revertible " + r.revertible() + ", expected "
                        + committed.containsKey(r.id()) + "\n" + ctx);
            }
        }
    }
}
