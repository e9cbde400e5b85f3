package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.image.ImageStore;
import dev.flashcopy.engine.image.StoreKind;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.FileImageStore;
import dev.flashcopy.engine.volume.SimulatedDisk;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A store and engine over a temp directory, with byte-array I/O through the exported devices. Not thread-safe. */
final class EngineFixture implements AutoCloseable {
    final Path dir;
    FlashSettings settings;
    /** Where the metadata lives: the given disk, or RADOS objects on RBD (see {@link OnRbd}). */
    final Disk disk;

    private final StoreKind.EngineStore stores;
    /** Where the volumes' and revert areas' images live: files, or RBD images (see {@link OnRbd}). */
    final ImageStore images;

    VolumeStore store;
    FlashEngine engine;
    private final Map<String, DeviceLease> leases = new HashMap<>();

    EngineFixture(Path dir) throws IOException {
        this(dir, FlashSettings.defaults().withBackgroundCopy(false));
    }

    EngineFixture(Path dir, FlashSettings settings) throws IOException {
        this(dir, settings, Disk.posix());
    }

    /**
     * Every file on {@code disk} (a simulated one for power-loss and fault tests). Images are files on it too, or, in
     * a test class marked {@link OnRbd} and on the real disk, RBD images in the test cluster.
     */
    EngineFixture(Path dir, FlashSettings settings, Disk disk) throws IOException {
        this.dir = dir;
        this.settings = settings.withSourceViews(settings.sourceViews() && OnRbd.Extension.sourceViews());
        StoreKind kind = disk == Disk.posix() ? OnRbd.Extension.current() : StoreKind.FILE;
        this.stores = kind.engineStore(disk, dir);
        this.disk = stores.disk();
        this.images = stores.images();
        open();
    }

    /** A fixture with volume {@code name} of {@code grains} grains, grain g filled with byte 'a' + g. */
    static EngineFixture withLetteredVolume(Path dir, String name, int grains, int grainSize) throws IOException {
        EngineFixture fx = new EngineFixture(dir);
        fx.store.create(name, (long) grains * grainSize);
        for (int g = 0; g < grains; g++) {
            fx.fill(name, (long) g * grainSize, grainSize, 'a' + g);
        }
        return fx;
    }

    private void open() throws IOException {
        store = VolumeStore.open(disk, dir, images);
        engine = FlashEngine.open(store, settings);
    }

    /**
     * Whether {@code allocatedBytes} counts exactly the grains written (files: holes are the file system's blocks);
     * RBD reports allocation by object extents, which a space bound in grains cannot be held to.
     */
    boolean exactAllocation() {
        return images instanceof FileImageStore;
    }

    BlockDevice dev(String name) {
        return leases.computeIfAbsent(name, n -> engine.devices().acquire(n).orElseThrow())
                .device();
    }

    byte[] read(String name, long offset, int length) throws BlockIoException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        dev(name).read(offset, buf);
        return buf.array();
    }

    void write(String name, long offset, byte[] data) throws BlockIoException {
        dev(name).write(offset, ByteBuffer.wrap(data), false);
    }

    void fill(String name, long offset, int length, int value) throws BlockIoException {
        byte[] data = new byte[length];
        Arrays.fill(data, (byte) value);
        write(name, offset, data);
    }

    void zero(String name, long offset, long length) throws BlockIoException {
        dev(name).writeZeroes(offset, length, ZeroMode.PUNCH, false, false);
    }

    /**
     * Establishes {@code source:target}, then waits for the source's snapshot that keeps T0 where the store takes
     * one (RBD; a relationship starts on copy-on-write and switches), so what a test then does meets one state.
     */
    List<RelationshipView> establish(String source, String target, EstablishOptions options) throws IOException {
        List<RelationshipView> views = engine.establish(List.of(new PairSpec(source, target)), options);
        try {
            if (!engine.awaitSourceViews(Duration.ofSeconds(60))) {
                throw new IOException("the source view of " + source + ":" + target + " was not taken in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for a source view");
        }
        return views;
    }

    private void releaseLeases() {
        leases.values().forEach(DeviceLease::close);
        leases.clear();
    }

    /** Clean restart: close engine and store, open both again. */
    void reopen() throws IOException {
        releaseLeases();
        engine.close();
        store.close();
        open();
    }

    /** Clean restart with source views turned on or off from now on (where the test's store keeps them at all). */
    void reopenWithSourceViews(boolean on) throws IOException {
        settings = settings.withSourceViews(on && OnRbd.Extension.sourceViews());
        reopen();
    }

    /** Crash-like restart: the engine stops without committing or checkpointing, then everything reopens. */
    void crashAndReopen() throws IOException {
        releaseLeases();
        engine.abandon();
        store.close();
        open();
    }

    /** Crash-like restart with {@code between} done to the files while nothing runs. */
    void crashAndReopenAfter(Between between) throws IOException {
        releaseLeases();
        engine.abandon();
        store.close();
        engine = null;
        between.run();
        open();
    }

    /**
     * Power loss: the engine stops as in a crash, the simulated disk loses what was not forced (or what it
     * froze at an earlier sync), and everything reopens on what survived.
     */
    SimulatedDisk.CrashReport powerLossAndReopen(SimulatedDisk simulated) throws IOException {
        releaseLeases();
        engine.abandon();
        store.close();
        SimulatedDisk.CrashReport report = simulated.crash();
        open();
        return report;
    }

    /** What happens to the disk between a power loss and the restart (a fault injected into a file). */
    @FunctionalInterface
    interface Between {
        void run() throws IOException;
    }

    /**
     * Power loss, then {@code between} on what survived, then the restart. When the restart fails, the fixture is
     * left closed and the failure thrown.
     */
    void powerLossThenReopen(SimulatedDisk simulated, Between between) throws IOException {
        releaseLeases();
        engine.abandon();
        store.close();
        simulated.crash();
        engine = null;
        between.run();
        store = VolumeStore.open(disk, dir, images);
        try {
            engine = FlashEngine.open(store, settings);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Opens store and engine again after {@link #powerLossThenReopen} was refused (and the directory repaired). */
    void openAfterRefusal() throws IOException {
        store = VolumeStore.open(disk, dir, images);
        try {
            engine = FlashEngine.open(store, settings);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (engine != null) {
            releaseLeases();
            engine.close();
            store.close();
            engine = null;
        }
        stores.cleanUp();
    }
}
