package dev.flashcopy.nbd.transmission;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdWire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
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
 * The per-request cost of the transmission codec: {@link RequestDecoder} framing a burst of
 * {@value #BURST} requests (READ headers, or 4 KiB WRITEs with their payloads) that arrived in one
 * socket read, and the reply encoders ({@link Replies}) writing a simple reply header into a pooled
 * direct buffer. In this package because the encoders are package-private. With {@code -prof gc} the
 * B/op column is the garbage each request leaves.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {
    static final int BURST = 32;

    @Param({"READ", "WRITE"})
    String command;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private EmbeddedChannel channel;
    private ByteBuf burst;

    @Setup(Level.Trial)
    public void setUp() {
        channel = new EmbeddedChannel(new RequestDecoder());
        boolean write = command.equals("WRITE");
        int payload = write ? 4096 : 0;
        burst = alloc.directBuffer(BURST * (NbdWire.REQUEST_HEADER_LENGTH + payload));
        for (int i = 0; i < BURST; i++) {
            burst.writeInt(NbdWire.REQUEST_MAGIC);
            burst.writeShort(0);
            burst.writeShort(write ? NbdCommand.WRITE.code() : NbdCommand.READ.code());
            burst.writeLong(i);
            burst.writeLong(i * 4096L);
            burst.writeInt(4096);
            burst.writerIndex(burst.writerIndex() + payload);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public long decode() {
        channel.writeInbound(burst.retainedDuplicate());
        long sum = 0;
        NbdRequest r;
        while ((r = channel.readInbound()) != null) {
            sum += r.cookie();
            r.releasePayload();
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int encodeSuccess() {
        int bytes = 0;
        for (int i = 0; i < BURST; i++) {
            ByteBuf reply = Replies.success(alloc, i);
            bytes += reply.readableBytes();
            reply.release();
        }
        return bytes;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        burst.release();
    }
}
