package dev.flashcopy.nbd.testing;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.device.DirtySink;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A device that serves another's data and keeps dirty maps the test sets grain by grain. It reports one
 * extent per grain, never merged, so tests see whether the server merges runs. Thread-safe.
 */
public final class DirtyMapVolume extends ForwardingDevice implements DirtyMapDevice {
    private final int grainSize;
    private final Map<String, boolean[]> maps = new ConcurrentHashMap<>();

    public DirtyMapVolume(BlockDevice data, int grainSize) {
        super(data);
        this.grainSize = grainSize;
    }

    /** Adds (or replaces) map {@code name} with the given grains dirty. */
    public void map(String name, int... dirtyGrains) {
        boolean[] bits = new boolean[(int) ((delegate.size() + grainSize - 1) / grainSize)];
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
}
