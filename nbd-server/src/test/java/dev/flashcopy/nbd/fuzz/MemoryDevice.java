package dev.flashcopy.nbd.fuzz;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A small device over a byte array, so fuzzed requests really move data. Not thread-safe (one channel). */
final class MemoryDevice implements BlockDevice {
    private final String name;
    private final byte[] data;

    MemoryDevice(String name, int size) {
        this.name = name;
        this.data = new byte[size];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        dst.put(data, Math.toIntExact(offset), dst.remaining());
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) {
        src.get(data, Math.toIntExact(offset), src.remaining());
    }

    @Override
    public void trim(long offset, long length, boolean fua) {
        zero(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua) {
        zero(offset, length);
    }

    @Override
    public void flush() {}

    @Override
    public void cache(long offset, long length) {}

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) {
        // two extents when the range allows, so block status replies carry more than one
        long half = length / 2;
        if (half > 0 && sink.extent(half, false)) {
            sink.extent(length - half, true);
        } else if (half == 0) {
            sink.extent(length, false);
        }
    }

    private void zero(long offset, long length) {
        Arrays.fill(data, Math.toIntExact(offset), Math.toIntExact(offset + length), (byte) 0);
    }
}
