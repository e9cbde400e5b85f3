package dev.flashcopy.bench;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.flash.FlashEngine;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Source writes that copy: a dense 64 MiB source with a NOCOPY target established just before, written
 * once in 1 MiB writes through the engine's device (each write copies its 16 grains of 64 KiB first). One
 * operation is the whole 64 MiB, so every write copies; the target is withdrawn and established again
 * between iterations. {@link CowWriteRunsBenchmark} runs it as the server does (copies in runs), {@link
 * CowWriteGrainByGrainBenchmark} with {@code -Dflashcopy.cowBatch=false}. On tmpfs ({@code /dev/shm})
 * the syncs cost nothing, which isolates the engine's own cost; {@code /var/tmp} adds the disk's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 15)
public abstract class CowWriteBenchmark {
    private static final long SIZE = 64L << 20;
    private static final int WRITE = 1 << 20;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(64 * 1024);

    @Param({"/dev/shm", "/var/tmp"})
    String base;

    private Path dir;
    private VolumeStore store;
    private FlashEngine engine;
    private DeviceLease lease;
    private BlockDevice source;
    private ByteBuffer payload;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory(Path.of(base), "flashcopy-jmh-cow");
        store = VolumeStore.open(dir);
        store.create("s", SIZE);
        engine = FlashEngine.open(store, FlashSettings.defaults().withBackgroundCopy(false));
        lease = engine.devices().acquire("s").orElseThrow();
        source = lease.device();
        payload = ByteBuffer.allocateDirect(WRITE);
        byte[] bytes = new byte[WRITE];
        new SplittableRandom(5).nextBytes(bytes);
        payload.put(bytes).flip();
        for (long pos = 0; pos < SIZE; pos += WRITE) {
            source.write(pos, payload.clear(), false);
        }
    }

    @Setup(Level.Iteration)
    public void establish() throws IOException {
        engine.establish(List.of(new PairSpec("s", "t")), NOCOPY);
    }

    @Benchmark
    public void sourceWrite64MiBOverAFreshNocopyTarget() throws IOException {
        for (long pos = 0; pos < SIZE; pos += WRITE) {
            source.write(pos, payload.clear(), false);
        }
    }

    @TearDown(Level.Iteration)
    public void withdraw() throws IOException {
        engine.withdraw("s", "t", false, true, OptionalLong.empty());
        store.remove("t");
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        lease.close();
        engine.close();
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
