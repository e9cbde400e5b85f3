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
import dev.flashcopy.engine.relationship.HostIo;
import dev.flashcopy.engine.relationship.HostReads;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.SourceWriteHint;
import dev.flashcopy.engine.relationship.VolumeRoute;
import dev.flashcopy.engine.relationship.VolumeRoute.Borrowing;
import dev.flashcopy.engine.relationship.VolumeRoute.CascadeMiddle;
import dev.flashcopy.engine.relationship.VolumeRoute.ExtentMember;
import dev.flashcopy.engine.relationship.VolumeRoute.Plain;
import dev.flashcopy.engine.relationship.VolumeRoute.Source;
import dev.flashcopy.engine.relationship.VolumeRoute.Target;
import dev.flashcopy.engine.volume.Volume;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Lock;

/**
 * One volume as exported: a thin consumer of its {@link VolumeRoute}, which says once per change of membership
 * what the volume is (in no relationship, a source, a borrowing source, a target, a cascade's middle, in extent
 * relationships); each request takes the route, enters its chain lock unless it goes straight to the image
 * (the fast path), and does one {@code switch} over it. Writes, trims and zeroes hold the volume's write gate,
 * so an establish sees them wholly before or after T0; while the volume is frozen they wait (held, not failed).
 * A FLUSH (and FUA) syncs the image and commits the journal, so a flushed target write's grain stays copied
 * (and, recording, marked changed) after a crash. Its dirty maps are the bitmaps of its relationships ({@link
 * DirtyMaps}). It lends its image for sends only while it reads its own image (in no relationship, or a source
 * that borrows nothing): a target's grains may still live in its source.
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
        Relationship r = engine.routeOf(name).targetOf();
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
        if (engine.routeOf(volume.name()).readsOwnImage()) {
            volume.read(offset, dst);
            return;
        }
        VolumeRoute route = enter();
        try {
            switch (route) {
                case Plain _, Source _ -> volume.read(offset, dst); // it stopped being a target meanwhile
                case Borrowing b -> HostReads.readSource(b.family(), offset, dst);
                case Target t -> HostReads.readTarget(t.family(), t.relationship(), offset, dst);
                case CascadeMiddle m -> HostReads.readTarget(m.above(), m.asTarget(), offset, dst);
                case ExtentMember m -> ExtentIo.read(m.group(), volume, offset, dst);
            }
        } finally {
            route.exit();
        }
    }

    /** The volume's route, with its chain read lock held unless it is plain (see {@link VolumeRoute#enter}). */
    private VolumeRoute enter() {
        return VolumeRoute.enter(volume.name(), engine::routeOf);
    }

    /**
     * The image when this volume reads its own image now. If it becomes a target before the send ends, the
     * file's bytes are still ones it held at some moment since: its old data, or data written or copied to it
     * as the new target; a source's later writes copy the old grain out before they change the file.
     */
    @Override
    public HeldFile fileHolding(long offset, long length) throws BlockIoException {
        checkOpen();
        return engine.routeOf(volume.name()).readsOwnImage() ? volume.fileHolding(offset, length) : null;
    }

    @Override
    public boolean readCached(long offset, ByteBuffer dst) {
        if (engine.isClosed()) {
            return false; // read reports it
        }
        // Only where read goes straight to the volume's own image, without locks; anything else takes them.
        return engine.routeOf(volume.name()).readsOwnImage() && volume.readCached(offset, dst);
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
        boolean plain = switch (engine.routeOf(volume.name())) {
            case Plain _ -> true;
            case Source s -> SourceWriteHint.plain(s.family(), offset, length);
            case Borrowing b -> !b.borrowing() && SourceWriteHint.plain(b.family(), offset, length);
            case Target _, CascadeMiddle _, ExtentMember _ -> false;
        };
        // The volume says whether its image gains from a lane at all (a file does, an RBD image does not).
        return plain ? volume.serialWriteKey(offset, length) : null;
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
        long length = BufferParts.total(srcs);
        // Extent relationships split a request at their ranges' edges: each part writes its own bytes.
        mutate(
                offset,
                length,
                (v, o, l) ->
                        v.write(o, o == offset && l == length ? srcs : BufferParts.part(srcs, o - offset, l), false),
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
                    && engine.routeOf(volume.name()) instanceof Plain
                    && volume.writeInline(offset, srcs);
        } finally {
            gate.unlock();
        }
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
            VolumeRoute route = enter();
            try {
                // A target grain whose bit a trim clears must read zeroes, not the file's old bytes, even where
                // the file system cannot punch: trim a target (a cascade's middle too) as a punching zero.
                HostIo.Mutation targetOp = trim ? (v, o, l) -> v.writeZeroes(o, l, ZeroMode.PUNCH, false, false) : op;
                switch (route) {
                    case Plain _ -> op.apply(volume, offset, length);
                    case Source s -> HostIo.mutateSource(s.family(), offset, length, op);
                    case Borrowing b -> HostIo.mutateSource(b.family(), offset, length, op);
                    case Target t -> HostIo.mutateTarget(t.family(), t.relationship(), offset, length, targetOp);
                    case CascadeMiddle m -> CascadeIo.mutate(m, offset, length, targetOp);
                    case ExtentMember m -> ExtentIo.mutate(m.group(), volume, offset, length, op, targetOp);
                }
            } finally {
                route.exit();
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
        if (engine.routeOf(volume.name()).readsOwnImage()) {
            volume.mapAllocation(offset, length, sink);
            return;
        }
        VolumeRoute route = enter();
        try {
            switch (route) {
                case Plain _, Source _ -> volume.mapAllocation(offset, length, sink);
                case Borrowing b -> HostReads.mapSourceAllocation(b.family(), offset, length, sink);
                case Target t -> HostReads.mapTargetAllocation(t.family(), t.relationship(), offset, length, sink);
                case CascadeMiddle m -> HostReads.mapTargetAllocation(m.above(), m.asTarget(), offset, length, sink);
                case ExtentMember m -> ExtentIo.mapAllocation(m.group(), volume, offset, length, sink);
            }
        } finally {
            route.exit();
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
