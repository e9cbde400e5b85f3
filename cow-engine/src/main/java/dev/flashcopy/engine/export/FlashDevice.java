package dev.flashcopy.engine.export;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.device.DirtySink;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.FileRangeDevice;
import dev.flashcopy.engine.device.HeldFile;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.engine.freeze.SourceFreeze;
import dev.flashcopy.engine.monitor.DirtyMaps;
import dev.flashcopy.engine.relationship.CascadeIo;
import dev.flashcopy.engine.relationship.ExtentIo;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.HostIo;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.SourceWriteHint;
import dev.flashcopy.engine.volume.Volume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Lock;

/**
 * One volume as exported: requests route through the relationship the volume is in at that moment, or go
 * straight to the image when it is in none (the fast path). A volume that is both a target and a source (the
 * middle of a cascade) is found through the family it is the source of and routed to {@link CascadeIo}.
 * Writes, trims and zeroes hold the volume's write gate, so an establish sees them wholly before or after T0;
 * while the volume is frozen they wait (held, not failed). A FLUSH (and FUA) syncs the image and commits the
 * journal, so a flushed target write's grain stays copied (and, recording, marked changed) after a crash. Its
 * dirty maps are the bitmaps of its relationships ({@link DirtyMaps}). It lends its image for sends only while it
 * reads its own image (in no relationship, or a plain source): a target's grains may still live in its source.
 *
 * <p>Thread-safe.
 */
public final class FlashDevice implements BlockDevice, DirtyMapDevice, FileRangeDevice {
    private final ExportedEngine engine;
    private final Volume volume;
    private final Lock gate;

    FlashDevice(ExportedEngine engine, Volume volume) {
        this.engine = engine;
        this.volume = volume;
        this.gate = engine.gates().shared(volume.name());
    }

    static boolean inhibited(ExportedEngine engine, String name) {
        // The NBD server asks this for every write, so it is one map lookup, not a walk over every relationship.
        // An extent target is inhibited only inside its ranges (ExtentIo refuses those writes); the rest is its own.
        Relationship r = engine.registry().wholeOfTarget(name);
        return r != null && r.targetWriteInhibit();
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
        return volume.readOnly() || inhibited(engine, volume.name());
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        checkOpen();
        while (true) {
            Family f = engine.familyOf(volume.name());
            if (readsOwnImage(f)) {
                volume.read(offset, dst);
                return;
            }
            if (f.enter(volume.name())) {
                try {
                    if (f.group() != null) {
                        ExtentIo.read(f.group(), volume, offset, dst);
                    } else if (f.source() == volume) {
                        CascadeIo.read(f, offset, dst);
                    } else {
                        HostIo.readTarget(f, f.at(f.indexOf(volume.name())), offset, dst);
                    }
                    return;
                } finally {
                    f.exit();
                }
            }
        }
    }

    /**
     * In no relationship, or a source that reads its own image: not one that borrows from a fast reverse, is a
     * cascade's middle target (a family never gains an upstream later, so null here stays null), or is in
     * extent relationships (it may be a target of some on other ranges).
     */
    private boolean readsOwnImage(Family f) {
        return f == null || (f.source() == volume && f.borrower() == null && f.upstream() == null && f.group() == null);
    }

    /**
     * The image when this volume reads its own image now. If it becomes a target before the send ends, the
     * file's bytes are still ones it held at some moment since: its old data, or data written or copied to it
     * as the new target; a source's later writes copy the old grain out before they change the file.
     */
    @Override
    public HeldFile fileHolding(long offset, long length) throws BlockIoException {
        checkOpen();
        return readsOwnImage(engine.familyOf(volume.name())) ? volume.fileHolding(offset, length) : null;
    }

    @Override
    public boolean readCached(long offset, ByteBuffer dst) {
        if (engine.isClosed()) {
            return false; // read reports it
        }
        // Only where read goes straight to the volume's own image, without locks; anything else takes them.
        return readsOwnImage(engine.familyOf(volume.name())) && volume.image().readCached(offset, dst);
    }

    /**
     * The image while the volume is in no relationship, or is a source whose write there copies, marks and
     * commits nothing ({@link SourceWriteHint}): such writes go straight to it. Any other write may copy grains
     * and commit the journal first, which many threads at once do better (they share the commit), so those stay
     * concurrent.
     */
    @Override
    public Object serialWriteKey(long offset, long length) {
        if (engine.isClosed()) {
            return null;
        }
        Family f = engine.familyOf(volume.name());
        return f == null || SourceWriteHint.plain(f, volume, offset, length) ? volume.image() : null;
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        int base = src.position();
        // The data of [o, o + l): all of it, or the part an extent relationship's range split asks for.
        mutate(
                offset,
                src.remaining(),
                (v, o, l) -> v.write(
                        o,
                        src.duplicate().limit(base + (int) (o - offset + l)).position(base + (int) (o - offset)),
                        false),
                fua,
                false);
    }

    @Override
    public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
        long length = total(srcs);
        // Extent relationships split a request at their ranges' edges: each part writes its own bytes.
        mutate(
                offset,
                length,
                (v, o, l) -> v.write(o, o == offset && l == length ? srcs : part(srcs, o - offset, l), false),
                fua,
                false);
    }

    /**
     * Only while the volume is in no relationship and not frozen, checked under its write gate taken without
     * waiting (an establish holding it sends the write the usual way), so an establish still sees the write
     * wholly before or after T0.
     */
    @Override
    public boolean writeInline(long offset, ByteBuffer[] srcs) throws BlockIoException {
        if (engine.isClosed() || volume.readOnly() || !gate.tryLock()) {
            return false;
        }
        try {
            return !engine.freezes().isFrozen(volume.name())
                    && engine.familyOf(volume.name()) == null
                    && volume.writeInline(offset, srcs);
        } finally {
            gate.unlock();
        }
    }

    private static long total(ByteBuffer[] srcs) {
        long length = 0;
        for (ByteBuffer src : srcs) {
            length += src.remaining();
        }
        return length;
    }

    /** The buffers' bytes {@code [from, from + length)}, as duplicates (the originals keep their positions). */
    private static ByteBuffer[] part(ByteBuffer[] srcs, long from, long length) {
        List<ByteBuffer> out = new ArrayList<>();
        long skip = from;
        long left = length;
        for (ByteBuffer src : srcs) {
            int n = src.remaining();
            if (skip >= n) {
                skip -= n;
                continue;
            }
            int take = (int) Math.min(n - skip, left);
            out.add(src.duplicate().position(src.position() + (int) skip).limit(src.position() + (int) skip + take));
            left -= take;
            skip = 0;
            if (left == 0) {
                break;
            }
        }
        return out.toArray(ByteBuffer[]::new);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        mutate(offset, length, (v, o, l) -> v.trim(o, l, false), fua, true);
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        mutate(offset, length, (v, o, l) -> v.writeZeroes(o, l, mode, fastOnly, false), fua, false);
    }

    private void mutate(long offset, long length, HostIo.Mutation op, boolean fua, boolean trim)
            throws BlockIoException {
        checkOpen();
        if (volume.readOnly()) {
            throw new BlockIoException(BlockError.PERMISSION, "volume " + volume.name() + " is read-only");
        }
        enterGate();
        try {
            while (true) {
                Family f = engine.familyOf(volume.name());
                if (f == null) {
                    op.apply(volume, offset, length);
                    break;
                }
                if (!f.enter(volume.name())) {
                    continue;
                }
                try {
                    // A target grain whose bit a trim clears must read zeroes, not the file's old bytes, even
                    // where the file system cannot punch: trim a target (a cascade's middle too) as a punching zero.
                    HostIo.Mutation targetOp =
                            trim ? (v, o, l) -> v.writeZeroes(o, l, ZeroMode.PUNCH, false, false) : op;
                    if (f.group() != null) {
                        ExtentIo.mutate(f.group(), volume, offset, length, op, targetOp);
                    } else if (f.source() == volume && f.upstream() != null) {
                        CascadeIo.mutate(f, offset, length, targetOp);
                    } else if (f.source() == volume) {
                        HostIo.mutateSource(f, offset, length, op);
                    } else {
                        HostIo.mutateTarget(f, f.at(f.indexOf(volume.name())), offset, length, targetOp);
                    }
                    break;
                } finally {
                    f.exit();
                }
            }
        } finally {
            gate.unlock();
        }
        if (fua) {
            flush();
        }
    }

    @Override
    public CompletionStage<Void> writesHeldUntil() {
        return engine.freezes().releaseOf(volume.name());
    }

    /**
     * Takes the write gate shared, waiting first while the volume is frozen ({@code mkflash --freeze}): a held
     * write gives the gate back while it waits, so a later establish can still close it.
     */
    private void enterGate() throws BlockIoException {
        SourceFreeze freezes = engine.freezes();
        gate.lock();
        while (freezes.isFrozen(volume.name())) {
            gate.unlock();
            try {
                freezes.awaitThawed(volume.name());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BlockIoException(
                        BlockError.SHUTDOWN, "interrupted while volume " + volume.name() + " was frozen");
            }
            checkOpen();
            gate.lock();
        }
    }

    @Override
    public void flush() throws BlockIoException {
        checkOpen();
        // Durability: every write completed on this volume is in its file; sync it, then commit the journal
        // (which syncs images with copied grains before their records), so flushed writes and the bit
        // clears they rely on both survive a crash.
        volume.flush();
        engine.journal().commitAll();
    }

    @Override
    public void cache(long offset, long length) {
        volume.cache(offset, length);
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        checkOpen();
        while (true) {
            Family f = engine.familyOf(volume.name());
            if (readsOwnImage(f)) {
                volume.mapAllocation(offset, length, sink);
                return;
            }
            if (f.enter(volume.name())) {
                try {
                    Relationship above = f.source() == volume ? f.asTarget() : null;
                    if (f.group() != null) {
                        ExtentIo.mapAllocation(f.group(), volume, offset, length, sink);
                    } else if (above != null) {
                        HostIo.mapTargetAllocation(f.upstream(), above, offset, length, sink);
                    } else if (f.source() == volume) {
                        HostIo.mapSourceAllocation(f, offset, length, sink);
                    } else {
                        HostIo.mapTargetAllocation(f, f.at(f.indexOf(volume.name())), offset, length, sink);
                    }
                    return;
                } finally {
                    f.exit();
                }
            }
        }
    }

    @Override
    public List<String> dirtyMapNames() {
        return engine.isClosed() ? List.of() : DirtyMaps.names(engine.registry(), volume.name());
    }

    @Override
    public void mapDirty(String name, long offset, long length, DirtySink sink) throws BlockIoException {
        checkOpen();
        DirtyMaps.walk(engine.registry(), volume.name(), name, offset, length, sink);
    }

    private void checkOpen() throws BlockIoException {
        if (engine.isClosed()) {
            throw new BlockIoException(BlockError.SHUTDOWN, "the FlashCopy engine is shutting down");
        }
    }
}
