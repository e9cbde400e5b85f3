package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.testing.ForwardingDevice;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counts what reaches a device: writes (and the FUA ones), flushes, FUA zeroes, the largest write. Thread-safe. */
final class CountingDevice extends ForwardingDevice {
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger fuaWrites = new AtomicInteger();
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger fuaZeroes = new AtomicInteger();
    final AtomicLong largestWrite = new AtomicLong();

    CountingDevice(BlockDevice delegate) {
        super(delegate);
    }

    private void count(long length, boolean fua) {
        writes.incrementAndGet();
        if (fua) {
            fuaWrites.incrementAndGet();
        }
        largestWrite.accumulateAndGet(length, Math::max);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        count(src.remaining(), fua);
        delegate.write(offset, src, fua);
    }

    @Override
    public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
        long length = 0;
        for (ByteBuffer src : srcs) {
            length += src.remaining();
        }
        count(length, fua);
        delegate.write(offset, srcs, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        if (fua) {
            fuaZeroes.incrementAndGet();
        }
        delegate.writeZeroes(offset, length, mode, fastOnly, fua);
    }

    @Override
    public void flush() throws BlockIoException {
        flushes.incrementAndGet();
        delegate.flush();
    }
}
