package dev.flashcopy.bench;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * A 4 KiB positional read of a page-cached image through the FFM {@code pread} binding into a
 * direct buffer, against the same read through {@code FileChannel}: what the FFM layer costs or
 * saves per request. Run with {@code -prof gc}: the FFM path should allocate nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ImageReadBenchmark {
    private static final long SIZE = 64L << 20;

    @Param({"4096", "65536"})
    int length;

    private Path dir;
    private ImageFile image;
    private FileChannel channel;
    private ByteBuffer buffer;
    private final SplittableRandom random = new SplittableRandom(7);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("flashcopy-jmh");
        image = ImageFile.create(dir.resolve("bench.img"), SIZE);
        ByteBuffer fill = ByteBuffer.allocateDirect(1 << 20);
        for (long pos = 0; pos < SIZE; pos += fill.capacity()) {
            image.write(pos, fill.clear());
        }
        channel = FileChannel.open(dir.resolve("bench.img"));
        buffer = ByteBuffer.allocateDirect(length);
    }

    private long offset() {
        return random.nextLong(SIZE / length) * length;
    }

    @Benchmark
    public ByteBuffer ffmPread() throws BlockIoException {
        image.read(offset(), buffer.clear());
        return buffer;
    }

    @Benchmark
    public ByteBuffer fileChannelRead() throws IOException {
        channel.read(buffer.clear(), offset());
        return buffer;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.close();
        image.close();
        Files.deleteIfExists(dir.resolve("bench.img"));
        Files.deleteIfExists(dir);
    }
}
