package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.device.DirtySink;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.export.RemoteBacked;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A shared {@link RemoteDevice} as one host connection uses it: it remembers which of this host's writes were
 * answered and not yet covered by a FLUSH, on which of the device's connections. When that connection is lost before
 * a flush covered them, the far server may have answered them from a cache it lost with its process, and a FLUSH on
 * the next connection cannot make them durable; so this host's next FLUSH fails with {@code EIO}, once, naming the
 * server, as a disk reports a lost write-back cache, instead of promising what it cannot. Another host's writes are
 * not this host's concern, and FUA writes were durable when answered. Thread-safe.
 */
public final class TrackedRemoteDevice implements BlockDevice, DirtyMapDevice, RemoteBacked {
    private final RemoteDevice device;
    /** By ledger, the number of this host's last write answered there that no flush is known to cover. */
    private final Map<Ledger, Long> unflushed = new HashMap<>(); // guarded by this

    public TrackedRemoteDevice(RemoteDevice device) {
        this.device = device;
    }

    private synchronized void answered(Ledger ledger, long number) {
        unflushed.merge(ledger, number, Math::max);
    }

    @Override
    public void flush() throws BlockIoException {
        Map<Ledger, Long> before;
        synchronized (this) {
            before = Map.copyOf(unflushed);
        }
        RemoteDevice.FlushPoint at = device.flushPoint();
        Set<String> lost = new LinkedHashSet<>();
        synchronized (this) {
            for (Map.Entry<Ledger, Long> e : before.entrySet()) {
                Ledger ledger = e.getKey();
                long number = e.getValue();
                boolean covered = (ledger == at.ledger() && number <= at.upTo()) || number <= ledger.flushedUpTo();
                if (!covered) {
                    lost.add(ledger.peer());
                }
                // Reported once, as a disk reports a failed write-back once; writes answered since stay.
                unflushed.remove(ledger, number);
            }
        }
        if (!lost.isEmpty()) {
            throw new BlockIoException(
                    BlockError.IO,
                    "writes answered by " + String.join(", ", lost)
                            + " were not flushed there before its connection was lost; they may be lost");
        }
    }

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public long size() {
        return device.size();
    }

    @Override
    public boolean readOnly() {
        return device.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        device.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        device.write(offset, src, fua, this::answered);
    }

    @Override
    public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
        device.write(offset, srcs, fua, this::answered);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        device.trim(offset, length, fua, this::answered);
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        device.writeZeroes(offset, length, mode, fastOnly, fua, this::answered);
    }

    @Override
    public void cache(long offset, long length) throws BlockIoException {
        device.cache(offset, length);
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        device.mapAllocation(offset, length, sink);
    }

    @Override
    public CompletableFuture<Void> startRead(long offset, ByteBuffer dst) {
        return device.startRead(offset, dst);
    }

    @Override
    public CompletableFuture<Void> startWrite(long offset, ByteBuf payload, boolean fua) {
        return device.startWrite(offset, payload, fua, this::answered);
    }

    @Override
    public List<String> dirtyMapNames() {
        return device.dirtyMapNames();
    }

    @Override
    public void mapDirty(String name, long offset, long length, DirtySink sink) throws BlockIoException {
        device.mapDirty(name, offset, length, sink);
    }

    @Override
    public String toString() {
        return device.toString();
    }
}
