package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import java.nio.ByteBuffer;

/**
 * What a connection's device becomes when, after its store changed hands, nobody serves its volume from here (it was
 * removed, or the new owner could not be reached): every request fails with an I/O error, which a host sees like a
 * lost disk and can reconnect after. Immutable.
 */
record GoneDevice(String name, long size, boolean readOnly) implements BlockDevice {
    private BlockIoException gone() {
        return new BlockIoException(
                BlockError.IO, name + " is not served here any more (its store changed hands); reconnect");
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        throw gone();
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        throw gone();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        throw gone();
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        throw gone();
    }

    @Override
    public void flush() throws BlockIoException {
        throw gone();
    }

    @Override
    public void cache(long offset, long length) throws BlockIoException {
        throw gone();
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        throw gone();
    }
}
