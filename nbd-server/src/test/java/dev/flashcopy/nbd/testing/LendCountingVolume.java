package dev.flashcopy.nbd.testing;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.FileRangeDevice;
import dev.flashcopy.engine.device.HeldFile;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.engine.volume.Volume;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;

/** A volume served as a device that counts the holds on its image it lends, and those not given back. Thread-safe. */
public final class LendCountingVolume implements BlockDevice, FileRangeDevice {
    public final AtomicInteger outstanding = new AtomicInteger();
    public final AtomicInteger lent = new AtomicInteger();
    private final Volume volume;

    public LendCountingVolume(Volume volume) {
        this.volume = volume;
    }

    @Override
    public HeldFile fileHolding(long offset, long length) {
        HeldFile held = volume.fileHolding(offset, length);
        if (held == null) {
            return null;
        }
        outstanding.incrementAndGet();
        lent.incrementAndGet();
        return new HeldFile() {
            @Override
            public FileChannel channel() {
                return held.channel();
            }

            @Override
            public void release() {
                outstanding.decrementAndGet();
                held.release();
            }
        };
    }

    @Override
    public String name() {
        return volume.name();
    }

    @Override
    public long size() {
        return volume.size();
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        volume.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        volume.write(offset, src, fua);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        volume.trim(offset, length, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        volume.writeZeroes(offset, length, mode, fastOnly, fua);
    }

    @Override
    public void flush() throws BlockIoException {
        volume.flush();
    }

    @Override
    public void cache(long offset, long length) {
        volume.cache(offset, length);
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        volume.mapAllocation(offset, length, sink);
    }
}
