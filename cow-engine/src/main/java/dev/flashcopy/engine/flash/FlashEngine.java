package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.copier.BackgroundCopier;
import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.engine.ending.EndingLog;
import dev.flashcopy.engine.ending.FailureLog;
import dev.flashcopy.engine.ending.RelationshipEnding;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.EstablishRules;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.export.ExportedEngine;
import dev.flashcopy.engine.export.FlashDevices;
import dev.flashcopy.engine.freeze.FreezeOptions;
import dev.flashcopy.engine.freeze.SourceFreeze;
import dev.flashcopy.engine.freeze.WriteGates;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.membership.FamilyParts;
import dev.flashcopy.engine.membership.Membership;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.membership.RelationshipQueries;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.monitor.FlashMonitor;
import dev.flashcopy.engine.recovery.Recovery;
import dev.flashcopy.engine.refresh.Refresh;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.VolumeRoute;
import dev.flashcopy.engine.revertible.Revertibles;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.withdraw.WithdrawResult;
import dev.flashcopy.engine.withdraw.Withdrawal;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * FlashCopy over one {@link VolumeStore}: relationships, their durable metadata under {@code DATA/flash/},
 * the background copier, and the devices the NBD server exports ({@link #devices()}).
 *
 * <p>Wiring: {@code VolumeStore store = VolumeStore.open(data); FlashEngine flash = FlashEngine.open(store);}
 * then serve {@code flash.devices()} where {@code new VolumeDevices(store)} was served; on shutdown close
 * the server's connections, then {@code flash.close()}, then {@code store.close()}.
 *
 * <p>Thread-safe. Admin calls (establish, withdraw, setRate) are serialised by one lock; host I/O never
 * takes it. Lock order everywhere: admin, then write gates (name order), then a family's chain lock, then
 * grain stripes (ascending), then the journal.
 */
public final class FlashEngine implements AutoCloseable, ExportedEngine {
    /** Metadata directory under the data directory. */
    public static final String DIRECTORY = "flash";

    private final VolumeStore store;
    private final Journal journal;
    private final ReentrantLock admin = new ReentrantLock();
    private final Registry registry = new Registry();
    private final RelationshipQueries queries;
    private final Membership membership;
    private final Refresh refresh;
    private final Set<String> establishing = ConcurrentHashMap.newKeySet();
    private final WriteGates gates = new WriteGates();
    private final SourceFreeze freezes = new SourceFreeze(Clock.systemUTC());
    private final List<String> recoveryReport = new ArrayList<>();
    private final ProblemLog problems = new ProblemLog();
    private final BackgroundCopier copier;
    private final FlashDevices devices;
    private final Withdrawal withdrawal;
    private final CopyControl copyControl;
    private final Revertibles revertibles;
    private final FailureLog failureLog;
    private final EndingLog endings;
    private volatile boolean closed;

    private FlashEngine(VolumeStore store, FlashSettings settings, Opening opened) {
        this.store = store;
        this.failureLog = opened.failureLog();
        this.endings = opened.endings();
        this.journal = opened.journal();
        Path flashDir = opened.flashDir();
        long nextId = opened.catalog().nextId();
        FamilyParts parts = new FamilyParts(settings.lockStripes(), failureLog, gates);
        this.membership = new Membership(
                store, flashDir, journal, registry, nextId, parts, this::copyFinished, admin, settings.sourceViews());
        this.queries = new RelationshipQueries(registry, store::contains);
        this.refresh = new Refresh(parts, membership, registry, journal, this::ended);
        this.copier = new BackgroundCopier(
                () -> List.copyOf(registry.jobs.values()),
                this::maintain,
                this::problem,
                settings.backgroundCopy(),
                settings.copyStepBytes());
        this.devices = new FlashDevices(this, store);
        this.copyControl = new CopyControl(admin, () -> closed, journal, registry, membership, copier, this::ended);
        this.withdrawal = new Withdrawal(registry, membership, copier::wake, this::ended);
        this.revertibles =
                new Revertibles(admin, gates, registry, store.disk(), store.images(), flashDir, journal, failureLog);
    }

    public static FlashEngine open(VolumeStore store) throws IOException {
        return open(store, FlashSettings.defaults());
    }

    /** Opens, recovering relationships and bitmaps (see {@link #recoveryReport()}), and starts the copier. */
    public static FlashEngine open(VolumeStore store, FlashSettings settings) throws IOException {
        Opening o = Opening.read(store, settings);
        Journal journal = o.journal();
        FlashEngine engine = new FlashEngine(store, settings, o);
        try {
            engine.recoveryReport.addAll(o.report());
            LiveRecovery live = new LiveRecovery(engine.membership, engine.revertibles, journal, engine.registry);
            engine.recoveryReport.addAll(Recovery.finish(o.catalog(), o.recovered(), live));
        } catch (IOException | RuntimeException e) {
            try {
                journal.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        store.setRemovalGuard(engine::objection);
        engine.copier.start();
        engine.membership.offerViews();
        return engine;
    }

    /**
     * Establishes every pair at one shared T0 and returns the new relationships. Missing targets are
     * created (sparse, the source's size). Writes to all named volumes are held while the catalog is
     * replaced, so the call takes milliseconds whatever the volume sizes.
     */
    public List<RelationshipView> establish(List<PairSpec> pairs, EstablishOptions options) throws IOException {
        return establish(pairs, options, FreezeOptions.NONE);
    }

    /** As {@link #establish(List, EstablishOptions)}; with {@code freeze.freeze()} the sources stay frozen after. */
    public List<RelationshipView> establish(List<PairSpec> pairs, EstablishOptions options, FreezeOptions freeze)
            throws IOException {
        if (options == null || freeze == null) {
            throw new IllegalArgumentException(
                    "options: null (expected: EstablishOptions.defaults() or a variant, and" + " FreezeOptions)");
        }
        SortedSet<String> names = PairSpec.volumes(pairs);
        admin.lock();
        establishing.addAll(names);
        try {
            checkOpen();
            EstablishRules.check(
                    pairs,
                    options,
                    store,
                    registry.families,
                    registry.inactiveRecords(),
                    List.copyOf(registry.live.values()));
            List<Relationship> fresh = new ArrayList<>();
            freezes.around(pairs.stream().map(PairSpec::source).toList(), freeze, () -> {
                membership.establishCreatingTargets(pairs, options, names, fresh, establishing);
                return fresh;
            });
            copier.wake();
            return fresh.stream().map(Registry::view).toList();
        } finally {
            establishing.removeAll(names);
            admin.unlock();
        }
    }

    /**
     * Withdraws {@code source:target} ({@code rmflash}). A complete relationship just ends. An incomplete one
     * needs {@code copyFirst} (it becomes a non-persistent COPY relationship that ends itself at 100 %; the
     * result says {@code withdrawn=false}) or {@code force} (the target keeps the grains it has). Either way
     * the next older target first gets every grain it still reads through this one.
     */
    public WithdrawResult withdraw(String source, String target, boolean copyFirst, boolean force, OptionalLong seqnum)
            throws IOException {
        admin.lock();
        try {
            checkOpen();
            return withdrawal.run(source, target, copyFirst, force, seqnum);
        } finally {
            admin.unlock();
        }
    }

    /**
     * Resynchronises recording pairs ({@code resyncflash}) at one shared new T0: each target becomes its
     * source's content at that instant, recopying only the grains changed on either side since the last T0
     * (target writes are backed out). The options replace the stored ones. Returns the relationships after.
     */
    public List<RelationshipView> resync(List<PairSpec> pairs, ResyncOptions options) throws IOException {
        return resync(pairs, options, FreezeOptions.NONE);
    }

    /** As {@link #resync(List, ResyncOptions)}; with {@code freeze.freeze()} the sources stay frozen after. */
    public List<RelationshipView> resync(List<PairSpec> pairs, ResyncOptions options, FreezeOptions freeze)
            throws IOException {
        if (options == null || freeze == null) {
            throw new IllegalArgumentException("options: null (expected: ResyncOptions and FreezeOptions)");
        }
        admin.lock();
        try {
            checkOpen();
            List<Relationship> fresh = freezes.around(
                    pairs == null
                            ? List.of()
                            : pairs.stream().map(PairSpec::source).toList(),
                    freeze,
                    () -> refresh.resync(pairs, options));
            copier.wake();
            return fresh.stream().map(Registry::view).toList();
        } finally {
            admin.unlock();
        }
    }

    /**
     * Restores the target's current point in time onto the source ({@code reverseflash}), copying back only
     * the grains that differ; the relationship then runs {@code target:source}. The source reads the
     * restored data at once; the copy back runs in the background. Returns the reversed relationship.
     */
    public RelationshipView reverse(String source, String target, ReverseOptions options) throws IOException {
        if (options == null) {
            throw new IllegalArgumentException("options: null (expected: ReverseOptions)");
        }
        admin.lock();
        try {
            checkOpen();
            Relationship fresh = refresh.reverse(new PairSpec(source, target), options);
            copier.wake();
            return Registry.view(fresh);
        } finally {
            admin.unlock();
        }
    }

    /**
     * How relationships ended recently (last 24 h, at most 1000 of every pair), oldest first, so {@code wait} can
     * tell a completed copy from a withdrawn or failed one after the pair is gone. Survives restarts.
     */
    public EndingLog endings() {
        return endings;
    }

    /**
     * Records how {@code rel} ended, after it left the catalog. A failure to record is a problem to report, not a
     * reason to fail the withdraw that already happened.
     */
    void ended(Relationship rel, RelationshipEnding.Kind kind, String reason) {
        try {
            endings.record(rel.id(), rel.source().name(), rel.target().name(), kind, reason);
        } catch (IOException e) {
            problem(e);
        }
    }

    /**
     * Waits until every relationship that can keep its T0 in a snapshot of its source (on RBD) has one; false on
     * timeout. A relationship starts on copy-on-write and is switched by a worker thread (tests, tools).
     */
    public boolean awaitSourceViews(java.time.Duration timeout) throws InterruptedException {
        return membership.awaitViews(timeout);
    }

    /** Background copy driven by hand: a step, waiting for the end, a relationship's rate. */
    public CopyControl copies() {
        return copyControl;
    }

    /** The relationships as views and bitmap copies ({@code lsflash}, {@code lsvol}, tools). */
    public RelationshipQueries relationships() {
        return queries;
    }

    /** Read-only counters and grain maps for dashboards and {@code /metrics}. */
    public FlashMonitor monitor() {
        return new FlashMonitor(registry, journal);
    }

    /** Consistency-group freezes: which sources hold their writes, until when; {@code unfreezeflash}. */
    public SourceFreeze freezes() {
        return freezes;
    }

    /** setflashrevertible, commitflash, revertflash. */
    public Revertibles revertibles() {
        return revertibles;
    }

    /** The devices to export in place of {@code VolumeDevices}. */
    public DeviceProvider devices() {
        return devices;
    }

    /** What recovery did at open, one line per pass. */
    public List<String> recoveryReport() {
        return List.copyOf(recoveryReport);
    }

    /** Copier and maintenance failures since open (most recent last, at most 100). */
    public List<String> problems() {
        return problems.recent();
    }

    /** Writes a checkpoint now and empties the journal. */
    public void checkpoint() throws IOException {
        checkOpen();
        journal.checkpoint(this::bitmaps);
    }

    public Journal journal() {
        return journal;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public Registry registry() {
        return registry;
    }

    /** The family {@code volume} is in (as a source, else as a target), or null. */
    public Family familyOf(String volume) {
        return registry.families.get(volume);
    }

    public WriteGates gates() {
        return gates;
    }

    /** Where host I/O on {@code volume} goes now: one lookup, no lock (see {@link Registry#routeOf}). */
    @Override
    public VolumeRoute routeOf(String volume) {
        return registry.routeOf(volume);
    }

    private Map<Long, BitmapSet> bitmaps() {
        return registry.bitmaps();
    }

    private Optional<String> objection(String volume) {
        return registry.objection(volume, establishing.contains(volume));
    }

    private void copyFinished(Relationship rel) throws IOException {
        copyControl.finished(rel);
    }

    private void maintain() {
        if (!closed && journal.wantsCheckpoint()) {
            try {
                journal.checkpoint(this::bitmaps);
            } catch (IOException e) {
                problem(e);
            }
        }
    }

    private void problem(Exception e) {
        problems.add(e);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the FlashCopy engine is closed");
        }
    }

    /**
     * Stops as a crash would, writing no more metadata (queued journal records dropped, no checkpoint): the server
     * lost its store's lease, or a test crashes it. Whoever opens the store next recovers what was durable.
     */
    public void abandon() throws IOException {
        closed = true;
        copier.close();
        membership.closeViews();
        journal.abandon();
        revertibles.close();
    }

    /** Stops the copier, checkpoints and closes the journal. Close the store afterwards. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        freezes.close(); // held writes complete before the journal closes under them
        closed = true;
        copier.close();
        membership.closeViews(); // without the admin lock: a view being taken needs it to finish
        admin.lock();
        try {
            journal.checkpoint(this::bitmaps);
        } finally {
            journal.close();
            revertibles.close();
            admin.unlock();
        }
    }
}
