package dev.flashcopy.nbd.testing;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import java.nio.ByteBuffer;

/**
 * A device that passes every request to another, for tests that count, hold or slow one kind of request and
 * leave the rest alone: they override only that. The interface's optional methods (cached reads, serial write
 * keys, held writes) keep their defaults unless a test overrides them, so a wrapped volume answers those as a
 * device with no such abilities. As thread-safe as the device it wraps.
 */
public class ForwardingDevice implements BlockDevice {
    protected final BlockDevice delegate;

    public ForwardingDevice(BlockDevice delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public boolean readOnly() {
        return delegate.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        delegate.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        delegate.write(offset, src, fua);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        delegate.trim(offset, length, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        delegate.writeZeroes(offset, length, mode, fastOnly, fua);
    }

    @Override
    public void flush() throws BlockIoException {
        delegate.flush();
    }

    @Override
    public void cache(long offset, long length) throws BlockIoException {
        delegate.cache(offset, length);
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        delegate.mapAllocation(offset, length, sink);
    }
}
