package dev.flashcopy.bench;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.tools.metrics.ExportCounters;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * What counting one NBD request for {@code /metrics} costs on the hot path: one {@link ExportCounters}
 * shared by every I/O thread of an export, as in the server, from one thread and from four at once
 * (contended). Run with {@code -prof gc}: recording should allocate nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ExportCountersBenchmark {
    private final ExportCounters counters = new ExportCounters();

    @Benchmark
    @Threads(1)
    public void recordWriteOneThread() {
        counters.request(NbdCommand.WRITE, 4096, 180_000, null);
    }

    @Benchmark
    @Threads(4)
    public void recordWriteFourThreads() {
        counters.request(NbdCommand.WRITE, 4096, 180_000, null);
    }
}
