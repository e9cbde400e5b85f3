package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.copier.BackgroundCopier;
import dev.flashcopy.engine.copier.CopyJob;
import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.recovery.Recovery;
import dev.flashcopy.engine.relationship.ChainCopy;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipCatalog;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.relationship.RelationshipState;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
public final class FlashEngine implements AutoCloseable {
    public static final int MAX_TARGETS_PER_SOURCE = 256;
    /** Metadata directory under the data directory. */
    public static final String DIRECTORY = "flash";

    /** A catalogued relationship whose volumes were missing at open; kept, with its bitmap, until withdrawn. */
    record Inactive(RelationshipRecord record, GrainBitmap bitmap) {
    }

    private final VolumeStore store;
    private final FlashSettings settings;
    private final Path flashDir;
    private final Journal journal;
    private final ReentrantLock admin = new ReentrantLock();
    private final ConcurrentHashMap<String, Family> families = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Relationship> live = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, CopyJob> jobs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Inactive> inactive = new ConcurrentHashMap<>();
    private final Set<String> establishing = ConcurrentHashMap.newKeySet();
    private final WriteGates gates = new WriteGates();
    private final List<String> recoveryReport = new ArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final ByteBuffer adminBuffer = ByteBuffer.allocateDirect(1 << 20);
    private final BackgroundCopier copier;
    private final FlashDevices devices;
    private long nextId;
    private volatile boolean closed;

    private FlashEngine(VolumeStore store, FlashSettings settings, Path flashDir, Journal journal, long nextId) {
        this.store = store;
        this.settings = settings;
        this.flashDir = flashDir;
        this.journal = journal;
        this.nextId = nextId;
        this.copier = new BackgroundCopier(() -> List.copyOf(jobs.values()), this::maintain, this::problem,
                settings.backgroundCopy(), settings.copyStepBytes());
        this.devices = new FlashDevices(this, store);
    }

    public static FlashEngine open(VolumeStore store) throws IOException {
        return open(store, FlashSettings.defaults());
    }

    /** Opens, recovering relationships and bitmaps (see {@link #recoveryReport()}), and starts the copier. */
    public static FlashEngine open(VolumeStore store, FlashSettings settings) throws IOException {
        Path flashDir = store.dataDir().resolve(DIRECTORY);
        Files.createDirectories(flashDir);
        RelationshipCatalog.Content catalog = RelationshipCatalog.load(flashDir);
        Recovery.Result r = Recovery.run(flashDir, catalog);
        Journal journal = new Journal(r.journal(), flashDir.resolve(Recovery.CHECKPOINT_FILE), r.lastSeq(),
                settings.checkpointJournalBytes());
        FlashEngine engine = new FlashEngine(store, settings, flashDir, journal, catalog.nextId());
        try {
            engine.recoveryReport.addAll(r.report());
            engine.attach(catalog.relationships(), r.bitmaps());
            journal.checkpoint(engine::bitmaps);
            engine.recoveryReport.add("pass 6 (checkpoint): journal emptied, last seq " + journal.lastSeq());
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
        return engine;
    }

    private void attach(List<RelationshipRecord> records, Map<Long, GrainBitmap> bitmaps) {
        int active = 0;
        for (RelationshipRecord r : records.stream().sorted(Comparator.comparingLong(RelationshipRecord::id)).toList()) {
            Optional<Volume> s = store.find(r.source());
            Optional<Volume> t = store.find(r.target());
            Family f = families.get(r.source());
            String problem = s.isEmpty() ? "source volume " + r.source() + " is not available"
                    : t.isEmpty() ? "target volume " + r.target() + " is not available"
                    : s.get().size() != r.size() ? "source " + r.source() + " is " + s.get().size() + " bytes, was " + r.size()
                    : t.get().size() < r.size() ? "target " + r.target() + " is smaller than " + r.size() + " bytes"
                    : f != null && f.geometry().grainSize() != r.grainSize() ? "grain size differs from its siblings'"
                    : null;
            if (problem != null) {
                inactive.put(r.id(), new Inactive(r, bitmaps.get(r.id())));
                recoveryReport.add("pass 5 (attach): relationship " + r.source() + ":" + r.target() + " inactive: "
                        + problem);
                continue;
            }
            install(new Relationship(r, s.get(), t.get(), bitmaps.get(r.id())));
            active++;
        }
        recoveryReport.add("pass 5 (attach): " + active + " relationship(s) active, " + inactive.size() + " inactive");
    }

    /** Puts a relationship into service as its source's newest target (chain write lock held or family new). */
    private void install(Relationship rel) {
        Family f = families.get(rel.source().name());
        if (f == null) {
            f = new Family(rel.source(), rel.geometry(), journal, settings.lockStripes());
        }
        f.addNewest(rel);
        live.put(rel.id(), rel);
        jobs.put(rel.id(), new RelationshipJob(this, rel));
        families.put(rel.source().name(), f);
        families.put(rel.target().name(), f);
    }

    /**
     * Establishes every pair at one shared T0 and returns the new relationships. Missing targets are
     * created (sparse, the source's size). Writes to all named volumes are held while the catalog is
     * replaced, so the call takes milliseconds whatever the volume sizes.
     */
    public List<RelationshipView> establish(List<PairSpec> pairs, EstablishOptions options) throws IOException {
        if (options == null) {
            throw new IllegalArgumentException("options: null (expected: EstablishOptions.defaults() or a variant)");
        }
        SortedSet<String> names = new TreeSet<>();
        if (pairs != null) {
            pairs.forEach(p -> {
                names.add(p.source());
                names.add(p.target());
            });
        }
        admin.lock();
        establishing.addAll(names);
        try {
            checkOpen();
            EstablishRules.check(pairs, options, store, families,
                    inactive.values().stream().map(Inactive::record).toList());
            List<String> created = new ArrayList<>();
            List<Relationship> fresh = new ArrayList<>();
            try {
                for (PairSpec p : pairs) {
                    if (!store.contains(p.target())) {
                        store.create(p.target(), store.get(p.source()).size());
                        created.add(p.target());
                    }
                }
                install(pairs, options, names, fresh);
            } catch (IOException | RuntimeException e) {
                establishing.removeAll(created);
                for (String c : created) {
                    try {
                        store.remove(c);
                    } catch (IOException | RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
            copier.wake();
            return fresh.stream().map(FlashEngine::view).toList();
        } finally {
            establishing.removeAll(names);
            admin.unlock();
        }
    }

    private void install(List<PairSpec> pairs, EstablishOptions options, SortedSet<String> names,
            List<Relationship> fresh) throws IOException {
        String t0 = Instant.now().toString();
        try (WriteGates.Closed closedGates = gates.closeAll(names)) {
            List<Family> touched = new ArrayList<>(new TreeSet<>(pairs.stream().map(PairSpec::source).toList())
                    .stream().map(families::get).filter(f -> f != null).toList());
            touched.forEach(f -> f.chainLock().writeLock().lock());
            try {
                long id = nextId;
                for (PairSpec p : pairs) {
                    Volume source = store.get(p.source());
                    RelationshipRecord record = new RelationshipRecord(id++, p.source(), p.target(), options.seqnum(),
                            options.mode(), options.persistent(), options.targetWriteInhibit(), options.grainSize(),
                            source.size(), t0, options.rateMiBps());
                    long grains = new dev.flashcopy.engine.bitmap.GrainGeometry(options.grainSize(), source.size()).grains();
                    fresh.add(new Relationship(record, source, store.get(p.target()), GrainBitmap.allSet(grains)));
                }
                List<RelationshipRecord> all = catalogRecords();
                fresh.forEach(r -> all.add(r.record()));
                // Durability: nothing needs to be durable before (in-flight writes to the named volumes are
                // drained by the gates; completed but unflushed ones are as durable as the host asked). The
                // catalog replace is the T0 of every pair at once; no write to them runs until it is done.
                RelationshipCatalog.save(flashDir, id, all);
                nextId = id;
                fresh.forEach(this::install);
            } finally {
                for (int i = touched.size() - 1; i >= 0; i--) {
                    touched.get(i).chainLock().writeLock().unlock();
                }
            }
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
            Inactive dead = inactive.values().stream().filter(i -> i.record().source().equals(source)
                    && i.record().target().equals(target)).findFirst().orElse(null);
            Relationship rel = findLive(source, target).orElse(null);
            if (rel == null && dead == null) {
                throw new NoSuchElementException("no FlashCopy relationship " + source + ":" + target + " (see lsflash)");
            }
            long actual = rel != null ? rel.seqnum() : dead.record().seqnum();
            if (seqnum != null && seqnum.isPresent() && seqnum.getAsLong() != actual) {
                throw new IllegalArgumentException("seqnum: " + Long.toHexString(seqnum.getAsLong()).toUpperCase()
                        + " (expected: " + Long.toHexString(actual).toUpperCase() + ", the seqnum of " + source + ":"
                        + target + ")");
            }
            if (dead != null) {
                if (!force) {
                    throw new IllegalStateException("relationship " + source + ":" + target + " is inactive; withdraw"
                            + " it with --force (the target keeps whatever it has)");
                }
                List<RelationshipRecord> all = catalogRecords();
                all.remove(dead.record());
                RelationshipCatalog.save(flashDir, nextId, all);
                inactive.remove(dead.record().id());
                return new WithdrawResult(view(dead), true);
            }
            if (!rel.complete()) {
                if (copyFirst) {
                    rel.reconfigure(CopyMode.COPY, false);
                    saveCatalog();
                    copier.wake();
                    return new WithdrawResult(view(rel), false);
                }
                if (!force) {
                    long left = rel.toCopy().count();
                    throw new IllegalStateException("target " + target + " is not a full copy of " + source + " ("
                            + left + " of " + rel.geometry().grains() + " grains still to copy); withdraw with --force"
                            + " to keep the partial target, or with --cp to finish the copy first");
                }
            }
            withdrawNow(rel);
            return new WithdrawResult(view(rel), true);
        } finally {
            admin.unlock();
        }
    }

    /** Cleans, then takes {@code rel} out of service and out of the catalog (admin lock held). */
    private void withdrawNow(Relationship rel) throws IOException {
        Family f = families.get(rel.source().name());
        String target = rel.target().name();
        rel.setCleaning(true);
        try {
            if (f.enter(target)) {
                try {
                    ChainCopy.clean(f, rel, adminBuffer); // most of the work, while host I/O carries on
                } finally {
                    f.exit();
                }
            }
            f.chainLock().writeLock().lock();
            try {
                ChainCopy.clean(f, rel, adminBuffer); // grains a source write copied into rel meanwhile
                // Durability: cleaning copies and their records must be durable before the catalog stops
                // naming rel, or a crash could leave the older target reading through a standalone volume.
                journal.commitAll();
                List<RelationshipRecord> all = catalogRecords();
                all.removeIf(r -> r.id() == rel.id());
                RelationshipCatalog.save(flashDir, nextId, all);
                live.remove(rel.id());
                jobs.remove(rel.id());
                families.remove(target, f);
                if (f.remove(rel)) {
                    families.remove(rel.source().name(), f);
                }
            } finally {
                f.chainLock().writeLock().unlock();
            }
        } finally {
            rel.setCleaning(false);
        }
    }

    /** Called when a copy step found nothing left: ends a non-persistent COPY relationship. */
    void copyFinished(Relationship rel) throws IOException {
        admin.lock();
        try {
            if (closed || live.get(rel.id()) != rel) {
                return;
            }
            // Durability: progress of the last steps; nothing after this depends on it but restarts.
            journal.commitAll();
            if (rel.mode() == CopyMode.COPY && !rel.persistent() && rel.complete()) {
                withdrawNow(rel);
            }
        } finally {
            admin.unlock();
        }
    }

    /**
     * Runs up to {@code maxBytes} of background copy for {@code source:target} in the calling thread (tests,
     * tools, or a copier-less engine) and ends the relationship when a non-persistent COPY reaches 100 %.
     *
     * @return grains still to copy afterwards (0 also when the relationship ended)
     */
    public long copyStep(String source, String target, long maxBytes) throws IOException {
        Relationship rel = findLive(source, target).orElseThrow(() ->
                new NoSuchElementException("no FlashCopy relationship " + source + ":" + target + " (see lsflash)"));
        RelationshipJob job = (RelationshipJob) jobs.get(rel.id());
        if (job == null || job.step(maxBytes, adminBuffer.duplicate()).idle()) {
            copyFinished(rel);
        }
        return live.containsKey(rel.id()) ? rel.toCopy().count() : 0;
    }

    /** Waits until {@code source:target} has nothing left to copy or is gone; false on timeout. */
    public boolean awaitCopied(String source, String target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Relationship> rel = findLive(source, target);
            if (rel.isEmpty() || rel.get().complete()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            copier.wake();
            Thread.sleep(5);
        }
    }

    /** Sets a relationship's background copy rate, MiB/s (0 = unlimited). */
    public RelationshipView setRate(String source, String target, int rateMiBps) throws IOException {
        EstablishOptions.checkRate(rateMiBps);
        admin.lock();
        try {
            checkOpen();
            Relationship rel = findLive(source, target).orElseThrow(() ->
                    new NoSuchElementException("no FlashCopy relationship " + source + ":" + target + " (see lsflash)"));
            rel.setRateMiBps(rateMiBps);
            saveCatalog();
            copier.wake();
            return view(rel);
        } finally {
            admin.unlock();
        }
    }

    /** Every relationship, by source then T0 (oldest target first). */
    public List<RelationshipView> list() {
        List<RelationshipView> views = new ArrayList<>();
        live.values().forEach(r -> views.add(view(r)));
        inactive.values().forEach(i -> views.add(view(i)));
        views.sort(Comparator.comparing(RelationshipView::source).thenComparingLong(RelationshipView::id));
        return List.copyOf(views);
    }

    /** Relationships of one volume (either role), or of one pair when written {@code SOURCE:TARGET}. */
    public List<RelationshipView> list(String volumeOrPair) {
        if (volumeOrPair != null && volumeOrPair.contains(":")) {
            PairSpec p = PairSpec.parse(volumeOrPair);
            List<RelationshipView> found = list().stream()
                    .filter(v -> v.source().equals(p.source()) && v.target().equals(p.target())).toList();
            if (found.isEmpty()) {
                throw new NoSuchElementException("no FlashCopy relationship " + p + " (see lsflash)");
            }
            return found;
        }
        List<RelationshipView> found = list().stream()
                .filter(v -> v.source().equals(volumeOrPair) || v.target().equals(volumeOrPair)).toList();
        if (found.isEmpty() && !store.contains(volumeOrPair)) {
            throw new NoSuchElementException("no volume named '" + volumeOrPair + "' (see 'flashcopy lsvol')");
        }
        return found;
    }

    /** The volume's source (when a target) and targets (when a source), oldest first. */
    public VolumeRoles roles(String volume) {
        List<RelationshipView> all = list();
        if (!store.contains(volume) && all.stream().noneMatch(v -> v.source().equals(volume) || v.target().equals(volume))) {
            throw new NoSuchElementException("no volume named '" + volume + "' (see 'flashcopy lsvol')");
        }
        return new VolumeRoles(volume,
                all.stream().filter(v -> v.target().equals(volume)).map(RelationshipView::source).findFirst(),
                all.stream().filter(v -> v.source().equals(volume)).map(RelationshipView::target).toList());
    }

    /** A snapshot of the to-copy bitmap of {@code source:target} (for tools and NBD meta contexts). */
    public Optional<GrainBitmap> toCopy(String source, String target) {
        return findLive(source, target).map(r -> r.toCopy().copy());
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
        return List.copyOf(problems);
    }

    /** Writes a checkpoint now and empties the journal. */
    public void checkpoint() throws IOException {
        checkOpen();
        journal.checkpoint(this::bitmaps);
    }

    Journal journal() {
        return journal;
    }

    FlashSettings settings() {
        return settings;
    }

    boolean isClosed() {
        return closed;
    }

    /** The family a volume is in right now, or null (the fast path). */
    Family familyOf(String volume) {
        return families.get(volume);
    }

    WriteGates gates() {
        return gates;
    }

    Optional<Relationship> relationshipOfTarget(String target) {
        return live.values().stream().filter(r -> r.target().name().equals(target)).findFirst();
    }

    boolean isLive(Relationship rel) {
        return live.get(rel.id()) == rel;
    }

    Optional<Relationship> findLive(String source, String target) {
        return live.values().stream()
                .filter(r -> r.source().name().equals(source) && r.target().name().equals(target)).findFirst();
    }

    boolean inactiveVolume(String volume) {
        return inactive.values().stream().anyMatch(i -> i.record().source().equals(volume)
                || i.record().target().equals(volume));
    }

    private Map<Long, GrainBitmap> bitmaps() {
        Map<Long, GrainBitmap> all = new HashMap<>();
        live.forEach((id, r) -> all.put(id, r.toCopy()));
        inactive.forEach((id, i) -> all.put(id, i.bitmap()));
        return all;
    }

    private List<RelationshipRecord> catalogRecords() {
        List<RelationshipRecord> all = new ArrayList<>();
        live.values().forEach(r -> all.add(r.record()));
        inactive.values().forEach(i -> all.add(i.record()));
        all.sort(Comparator.comparingLong(RelationshipRecord::id));
        return all;
    }

    private void saveCatalog() throws IOException {
        RelationshipCatalog.save(flashDir, nextId, catalogRecords());
    }

    private Optional<String> objection(String volume) {
        List<String> targets = new ArrayList<>();
        for (RelationshipView v : list()) {
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
        if (establishing.contains(volume)) {
            return Optional.of("a FlashCopy establish naming it is in progress");
        }
        return Optional.empty();
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
        problems.add(Instant.now() + " " + e);
        while (problems.size() > 100) {
            problems.remove(0);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the FlashCopy engine is closed");
        }
    }

    static RelationshipView view(Relationship r) {
        long total = r.geometry().grains();
        long left = r.toCopy().count();
        return new RelationshipView(r.id(), r.source().name(), r.target().name(), r.seqnum(), r.mode(), r.state(),
                r.persistent(), r.targetWriteInhibit(), r.geometry().grainSize(), total, left, percent(total, left),
                r.establishedAt(), r.state() == RelationshipState.COPYING ? r.measuredRateMiBps() : 0);
    }

    private static RelationshipView view(Inactive i) {
        RelationshipRecord r = i.record();
        long total = i.bitmap().grains();
        long left = i.bitmap().count();
        return new RelationshipView(r.id(), r.source(), r.target(), r.seqnum(), r.mode(), RelationshipState.INACTIVE,
                r.persistent(), r.targetWriteInhibit(), r.grainSize(), total, left, percent(total, left),
                Instant.parse(r.establishedAt()), 0);
    }

    private static double percent(long total, long left) {
        return total == 0 ? 100.0 : 100.0 * (total - left) / total;
    }

    /**
     * Stops as a crash would: the copier stops, queued journal records are dropped, nothing is
     * checkpointed. Only for tests that reopen the data directory afterwards.
     */
    void halt() throws IOException {
        closed = true;
        copier.close();
        journal.abandon();
    }

    /** Stops the copier, checkpoints and closes the journal. Close the store afterwards. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        copier.close();
        admin.lock();
        try {
            journal.checkpoint(this::bitmaps);
        } finally {
            journal.close();
            admin.unlock();
        }
    }
}
