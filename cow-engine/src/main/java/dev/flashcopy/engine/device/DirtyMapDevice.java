package dev.flashcopy.engine.device;

import java.util.List;

/**
 * A device that keeps named maps of grains that differ from some point in time (FlashCopy's to-copy and
 * change-recording bitmaps), for backup tools that read only what changed. The NBD server offers each map as
 * a metadata context {@code qemu:dirty-bitmap:NAME} on the device's export. Maps come and go with the
 * relationships behind them, so callers resolve a name at each walk.
 *
 * <p>Implementations are thread-safe.
 */
public interface DirtyMapDevice {
    /** Names of the maps the device offers at this moment, sorted; empty when it is in no relationship. */
    List<String> dirtyMapNames();

    /**
     * Walks map {@code name} over {@code [offset, offset + length)} as consecutive extents, stopping early when
     * the sink returns false. Extent boundaries fall on grain boundaries except at the ends of the range.
     *
     * @throws BlockIoException {@link BlockError#INVALID} when the device has no map of that name (any more)
     */
    void mapDirty(String name, long offset, long length, DirtySink sink) throws BlockIoException;
}
