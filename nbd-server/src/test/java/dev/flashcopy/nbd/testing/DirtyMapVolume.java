package dev.flashcopy.nbd.testing;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.device.DirtySink;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A device that serves another's data and keeps dirty maps the test sets grain by grain. It reports one
 * extent per grain, never merged, so tests see whether the server merges runs. Thread-safe.
 */
public final class DirtyMapVolume implements BlockDevice, DirtyMapDevice {
    private final BlockDevice data;
    private final int grainSize;
    private final Map<String, boolean[]> maps = new ConcurrentHashMap<>();

    public DirtyMapVolume(BlockDevice data, int grainSize) {
        this.data = data;
        this.grainSize = grainSize;
    }

    /** Adds (or replaces) map {@code name} with the given grains dirty. */
    public void map(String name, int... dirtyGrains) {
        boolean[] bits = new boolean[(int) ((data.size() + grainSize - 1) / grainSize)];
        for (int g : dirtyGrains) {
            bits[g] = true;
        }
        maps.put(name, bits);
    }

    public void drop(String name) {
        maps.remove(name);
    }

    @Override
    public List<String> dirtyMapNames() {
        return List.copyOf(new TreeMap<>(maps).keySet());
    }

    @Override
    public void mapDirty(String name, long offset, long length, DirtySink sink) throws BlockIoException {
        boolean[] bits = maps.get(name);
        if (bits == null) {
            throw new BlockIoException(BlockError.INVALID, "no map " + name);
        }
        long end = offset + length;
        for (long pos = offset; pos < end; ) {
            long grain = pos / grainSize;
            long stop = Math.min(end, (grain + 1) * grainSize);
            if (!sink.extent(stop - pos, bits[(int) grain])) {
                return;
            }
            pos = stop;
        }
    }

    @Override
    public String name() {
        return data.name();
    }

    @Override
    public long size() {
        return data.size();
    }

    @Override
    public boolean readOnly() {
        return data.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        data.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        data.write(offset, src, fua);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        data.trim(offset, length, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        data.writeZeroes(offset, length, mode, fastOnly, fua);
    }

    @Override
    public void flush() throws BlockIoException {
        data.flush();
    }

    @Override
    public void cache(long offset, long length) throws BlockIoException {
        data.cache(offset, length);
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        data.mapAllocation(offset, length, sink);
    }
}
