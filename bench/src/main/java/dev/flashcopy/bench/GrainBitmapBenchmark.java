package dev.flashcopy.bench;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The bitmap operations every copy-on-write write does: "is this grain still to copy?" and "it is
 * copied now". The bitmap is a 1 TiB volume at 64 KiB grains (16 Mi grains) with a fraction already
 * copied at random, so Roaring holds a mix of run, array and bitmap containers as it would after a
 * while of host writes. Run with {@code -prof gc} to see allocation per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GrainBitmapBenchmark {
    private static final long GRAINS = 1L << 24;

    @Param({"0", "1", "50"})
    int copiedPercent;

    private GrainBitmap toCopy;
    private long[] probes;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        toCopy = GrainBitmap.allSet(GRAINS);
        SplittableRandom random = new SplittableRandom(42);
        long copied = GRAINS * copiedPercent / 100;
        for (long i = 0; i < copied; i++) {
            long g = random.nextLong(GRAINS);
            toCopy.clear(g, g + 1);
        }
        probes = new long[1 << 16];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = random.nextLong(GRAINS);
        }
    }

    private long probe() {
        return probes[next++ & (probes.length - 1)];
    }

    /** The check a source write makes for each grain it touches. */
    @Benchmark
    public boolean isSet() {
        return toCopy.isSet(probe());
    }

    /** The scan over a multi-grain write's range for grains still to copy. */
    @Benchmark
    public long nextSetInRange() {
        long g = probe();
        return toCopy.nextSet(g);
    }

    /** Clearing one grain after its copy (the bitmap fragments as it goes; Roaring keeps it small). */
    @Benchmark
    public long clearOne() {
        long g = probe();
        return toCopy.clear(g, g + 1);
    }
}
