package dev.flashcopy.bench;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.dispatch.DisruptorDispatcher;
import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoLane;
import dev.flashcopy.nbd.dispatch.StagedIoTask;
import dev.flashcopy.nbd.dispatch.ThreadPoolDispatcher;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A request round trip through a dispatcher, as the server makes it: a burst of {@value #DEPTH}
 * requests (fio's iodepth) is dispatched from one thread, each does its I/O on an I/O thread and hands
 * its completion to a Netty event loop; the operation ends when the loop has seen every completion.
 * {@code work} is what each request does: {@code read}, a 4 KiB {@code pread} of a page-cached image;
 * {@code lane-write}, a 4 KiB {@code pwrite} given to the image's serial lane, as the server sends a plain
 * write; {@code fua}, a 4 KiB write and the sync it owes, dispatched as any other request. Compares the
 * thread pool with the Disruptor ring at several consumer counts. Tasks are reused, so {@code -prof gc}
 * shows what the dispatcher itself allocates per request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PipelineBenchmark {
    static final int DEPTH = 32;
    private static final long SIZE = 64L << 20;
    private static final int LENGTH = 4096;

    @Param({"pool-32", "pool-4", "disruptor-1", "disruptor-2", "disruptor-4"})
    String dispatcher;

    @Param({"read", "lane-write"})
    String work;

    private Path dir;
    private ImageFile image;
    private Volume volume;
    private IoDispatcher io;
    private EventLoop loop;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread waiter;
    private Request[] requests;
    private IoLane lane;
    private boolean fua;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "flashcopy-jmh");
        image = ImageFile.create(dir.resolve("bench.img"), SIZE);
        ByteBuffer fill = ByteBuffer.allocateDirect(1 << 20);
        for (long pos = 0; pos < SIZE; pos += fill.capacity()) {
            image.write(pos, fill.clear());
        }
        volume = new Volume("bench", image, false);
        String[] kind = dispatcher.split("-");
        int n = Integer.parseInt(kind[1]);
        io = kind[0].equals("pool") ? new ThreadPoolDispatcher(n) : new DisruptorDispatcher(n);
        loop = new DefaultEventLoop();
        fua = work.equals("fua");
        lane = work.equals("lane-write") ? io.lane(image) : null;
        if (!fua && lane == null && !work.equals("read")) {
            throw new IllegalArgumentException("work: " + work + " (expected: read, lane-write or fua)");
        }
        SplittableRandom random = new SplittableRandom(11);
        requests = new Request[DEPTH];
        for (int i = 0; i < DEPTH; i++) {
            requests[i] = new Request(random.nextLong(SIZE / LENGTH) * LENGTH);
        }
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int roundTrip() {
        waiter = Thread.currentThread();
        pending.set(DEPTH);
        for (Request r : requests) {
            if (lane != null) {
                lane.dispatch(r);
            } else {
                io.dispatch(r);
            }
        }
        while (pending.get() != 0) {
            LockSupport.park(this);
        }
        return pending.get();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        io.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        volume.close();
        Files.deleteIfExists(dir.resolve("bench.img"));
        Files.deleteIfExists(dir);
    }

    /** One reusable request: its I/O, its owed sync, its completion on the loop. */
    private final class Request implements StagedIoTask, Runnable {
        private final long offset;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(LENGTH);
        private BlockIoException failure;

        Request(long offset) {
            this.offset = offset;
        }

        @Override
        public BlockDevice execute(boolean deferSync) {
            try {
                if (fua) {
                    volume.write(offset, buffer.clear(), !deferSync);
                    return deferSync ? volume : null;
                }
                if (lane != null) {
                    volume.write(offset, buffer.clear(), false);
                    return null;
                }
                volume.read(offset, buffer.clear());
            } catch (BlockIoException e) {
                failure = e;
            }
            return null;
        }

        @Override
        public void synced(BlockIoException error) {
            failure = error;
        }

        @Override
        public void handBack() {
            loop.execute(this);
        }

        @Override
        public void reject() {
            throw new IllegalStateException("dispatcher closed during the benchmark");
        }

        @Override
        public void run() {
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            if (pending.decrementAndGet() == 0) {
                LockSupport.unpark(waiter);
            }
        }
    }
}
