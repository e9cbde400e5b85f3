package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.device.DirtySink;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.export.RemoteBacked;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * One NBD connection's device on a server that shares its store, which may move under the connection: from the owner's
 * engine to a forward to the new owner (a move), or from a forward to this server's own engine (a takeover). Each
 * request runs under the shared side of a gate; {@link #hold()} takes the exclusive side, so it waits for the requests
 * in flight and keeps new ones waiting (not failing) until {@link #release()}, and {@link #moveTo} swaps what is
 * underneath meanwhile. The connection sees a pause, never an error. The fast paths a server takes on its event loop
 * (cached reads, inline writes, a serial lane) are declined: they must not wait, and a gate may make them.
 *
 * <p>Forwarded READs and WRITEs are the exception ({@link RemoteBacked}): while the device underneath is a forward,
 * they start on the event loop and complete when the owner answers, so no I/O thread waits out each round trip (a
 * standby forwarded 4 KiB reads at 0.45 of the owner's rate without it). They pass the gate only when it is open at
 * once ({@code tryLock}: the loop never waits; otherwise the request takes the ordinary path, which waits on an I/O
 * thread), and count themselves in flight until answered, which {@link #hold()} waits for as for the others.
 *
 * <p>Thread-safe; {@link #hold()}, {@link #moveTo} and {@link #release()} are called on one thread, in that order.
 */
final class MovableDevice implements BlockDevice, DirtyMapDevice, DeviceLease, RemoteBacked {
    private final String name;
    private final long size;
    private final boolean readOnly;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Forwarded requests started on the event loop and not yet answered; {@link #hold()} waits for none. */
    private final AtomicInteger started = new AtomicInteger();

    private final Runnable onClose;
    private volatile DeviceLease lease;
    /** Where {@link #lease} came from: the provider a re-homing compares with the server's current one. */
    private volatile DeviceProvider from;

    MovableDevice(String name, DeviceProvider from, DeviceLease first, Runnable onClose) {
        this.name = name;
        this.from = from;
        this.lease = first;
        this.size = first.device().size();
        this.readOnly = first.device().readOnly();
        this.onClose = onClose;
    }

    void hold() {
        gate.writeLock().lock();
        // No request starts on the loop any more (its tryLock fails): wait for those started to be answered.
        synchronized (started) {
            while (started.get() > 0) {
                try {
                    started.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // a move is not interruptible: finish the wait, keep the flag
                }
            }
        }
    }

    /** The provider the device underneath was opened from. */
    DeviceProvider from() {
        return from;
    }

    /** Re-opens the device from {@code next} (the gate held); one it no longer has fails every later request. */
    void moveTo(DeviceProvider next) {
        DeviceLease old = lease;
        DeviceLease fresh = closed.get() ? null : next.acquire(name).orElse(null);
        lease = fresh != null ? fresh : new Gone(new GoneDevice(name, size, readOnly));
        from = next;
        old.close();
    }

    void release() {
        gate.writeLock().unlock();
        if (closed.get()) {
            lease.close(); // closed while held: the move opened it for nobody
        }
    }

    private BlockDevice enter() {
        gate.readLock().lock();
        return lease.device();
    }

    private void exit() {
        gate.readLock().unlock();
    }

    @Override
    public BlockDevice device() {
        return this;
    }

    /** The connection ended: its device is given back now, or by the move that holds it. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        onClose.run();
        if (gate.writeLock().tryLock()) {
            try {
                lease.close();
            } finally {
                gate.writeLock().unlock();
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        BlockDevice d = enter();
        try {
            d.read(offset, dst);
        } finally {
            exit();
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        BlockDevice d = enter();
        try {
            d.write(offset, src, fua);
        } finally {
            exit();
        }
    }

    @Override
    public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
        BlockDevice d = enter();
        try {
            d.write(offset, srcs, fua);
        } finally {
            exit();
        }
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        BlockDevice d = enter();
        try {
            d.trim(offset, length, fua);
        } finally {
            exit();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        BlockDevice d = enter();
        try {
            d.writeZeroes(offset, length, mode, fastOnly, fua);
        } finally {
            exit();
        }
    }

    @Override
    public void flush() throws BlockIoException {
        BlockDevice d = enter();
        try {
            // Durability: a flush after a move reaches the new owner, whose store holds every write made before the
            // move (the old owner's engine wrote and checkpointed them before handing over).
            d.flush();
        } finally {
            exit();
        }
    }

    @Override
    public void cache(long offset, long length) throws BlockIoException {
        BlockDevice d = enter();
        try {
            d.cache(offset, length);
        } finally {
            exit();
        }
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        BlockDevice d = enter();
        try {
            d.mapAllocation(offset, length, sink);
        } finally {
            exit();
        }
    }

    @Override
    public boolean remote() {
        return lease.device() instanceof RemoteBacked r && r.remote();
    }

    @Override
    public CompletableFuture<Void> startRead(long offset, ByteBuffer dst) {
        return start(r -> r.startRead(offset, dst));
    }

    @Override
    public CompletableFuture<Void> startWrite(long offset, ByteBuf payload, boolean fua) {
        return start(r -> r.startWrite(offset, payload, fua));
    }

    /** Starts a forwarded request on the caller's (event loop) thread, or null when it must take the ordinary path. */
    private CompletableFuture<Void> start(Function<RemoteBacked, CompletableFuture<Void>> request) {
        if (!gate.readLock().tryLock()) {
            return null; // a move holds the gate: the ordinary path waits for it, off the loop
        }
        try {
            if (!(lease.device() instanceof RemoteBacked r)) {
                return null;
            }
            started.incrementAndGet();
            CompletableFuture<Void> f;
            try {
                f = request.apply(r);
            } catch (RuntimeException e) {
                answered();
                throw e;
            }
            if (f == null) {
                answered();
                return null;
            }
            return f.whenComplete((v, failure) -> answered());
        } finally {
            gate.readLock().unlock();
        }
    }

    private void answered() {
        if (started.decrementAndGet() == 0) {
            synchronized (started) {
                started.notifyAll();
            }
        }
    }

    @Override
    public CompletionStage<Void> writesHeldUntil() {
        return lease.device().writesHeldUntil();
    }

    @Override
    public List<String> dirtyMapNames() {
        BlockDevice d = enter();
        try {
            return d instanceof DirtyMapDevice maps ? maps.dirtyMapNames() : List.of();
        } finally {
            exit();
        }
    }

    @Override
    public void mapDirty(String map, long offset, long length, DirtySink sink) throws BlockIoException {
        BlockDevice d = enter();
        try {
            if (!(d instanceof DirtyMapDevice maps)) {
                throw new BlockIoException(BlockError.INVALID, name + " keeps no dirty maps");
            }
            maps.mapDirty(map, offset, length, sink);
        } finally {
            exit();
        }
    }

    @Override
    public String toString() {
        return "movable " + lease.device();
    }

    private record Gone(BlockDevice device) implements DeviceLease {
        @Override
        public void close() {}
    }
}
