package dev.flashcopy.tools.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.export.RemoteBacked;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Connections that move with their server's role: a pause while held, then the next provider's device. */
class SwitchableDevicesTest {
    /** One volume {@code v} of 4 KiB whose every byte reads as {@code fill}; counts open leases. */
    private static class Filled implements DeviceProvider {
        final byte fill;
        final AtomicInteger open = new AtomicInteger();
        /** Every read waits for it: a request in flight elsewhere (a forward's, at another server). */
        final CountDownLatch answered;

        Filled(int fill) {
            this(fill, new CountDownLatch(0));
        }

        Filled(int fill, CountDownLatch answered) {
            this.fill = (byte) fill;
            this.answered = answered;
        }

        BlockDevice device() {
            return new Device(fill, answered);
        }

        @Override
        public List<DeviceInfo> list() {
            return List.of();
        }

        @Override
        public Optional<DeviceInfo> info(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<DeviceLease> acquire(String name) {
            if (!name.equals("v")) {
                return Optional.empty();
            }
            open.incrementAndGet();
            BlockDevice device = device();
            return Optional.of(new DeviceLease() {
                private boolean closed;

                @Override
                public BlockDevice device() {
                    return device;
                }

                @Override
                public synchronized void close() {
                    if (!closed) {
                        closed = true;
                        open.decrementAndGet();
                    }
                }
            });
        }
    }

    private static class Device implements BlockDevice {
        final byte fill;
        final CountDownLatch answered;

        Device(byte fill, CountDownLatch answered) {
            this.fill = fill;
            this.answered = answered;
        }

        @Override
        public String name() {
            return "v";
        }

        @Override
        public long size() {
            return 4096;
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            try {
                answered.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            while (dst.hasRemaining()) {
                dst.put(fill);
            }
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) {
            src.position(src.limit());
        }

        @Override
        public void trim(long offset, long length, boolean fua) {}

        @Override
        public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua) {}

        @Override
        public void flush() {}

        @Override
        public void cache(long offset, long length) {}

        @Override
        public void mapAllocation(long offset, long length, ExtentSink sink) {
            sink.extent(length, false);
        }
    }

    /**
     * {@link Filled} behind another server: its READs may also start without waiting ({@link RemoteBacked}), and each
     * such read stays unanswered until {@link #answer} completes.
     */
    private static final class Forwards extends Filled {
        final CompletableFuture<Void> answer = new CompletableFuture<>();
        final AtomicInteger startedOnCaller = new AtomicInteger();

        Forwards(int fill) {
            super(fill);
        }

        @Override
        BlockDevice device() {
            return new ForwardDevice(this);
        }
    }

    private static final class ForwardDevice extends Device implements RemoteBacked {
        private final Forwards forwards;

        ForwardDevice(Forwards forwards) {
            super(forwards.fill, forwards.answered);
            this.forwards = forwards;
        }

        @Override
        public CompletableFuture<Void> startRead(long offset, ByteBuffer dst) {
            forwards.startedOnCaller.incrementAndGet();
            return forwards.answer.thenRun(() -> {
                while (dst.hasRemaining()) {
                    dst.put(fill);
                }
            });
        }

        @Override
        public CompletableFuture<Void> startWrite(long offset, ByteBuf payload, boolean fua) {
            return forwards.answer;
        }
    }

    private static byte readFirst(BlockDevice d) throws BlockIoException {
        ByteBuffer b = ByteBuffer.allocate(16);
        d.read(0, b);
        return b.get(0);
    }

    @Test
    void aHeldConnectionWaitsThenReadsFromTheNextProviderWithoutAnError() throws Exception {
        Filled engine = new Filled(1);
        Filled forward = new Filled(2);
        SwitchableDevices devices = new SwitchableDevices(engine, true);
        DeviceLease connection = devices.acquire("v").orElseThrow();
        assertEquals(1, readFirst(connection.device()));

        devices.hold();
        CompletableFuture<Byte> during = CompletableFuture.supplyAsync(() -> {
            try {
                return readFirst(connection.device());
            } catch (BlockIoException e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<Optional<DeviceLease>> lookUp = CompletableFuture.supplyAsync(() -> devices.acquire("v"));
        assertThrows(TimeoutException.class, () -> during.get(300, TimeUnit.MILLISECONDS), "held: it waits");
        assertFalse(lookUp.isDone(), "a new connection waits too");
        devices.release(forward);

        assertEquals((byte) 2, during.get(5, TimeUnit.SECONDS), "the held request ran on the next provider");
        assertEquals(2, readFirst(lookUp.get(5, TimeUnit.SECONDS).orElseThrow().device()));
        assertEquals(0, engine.open.get(), "the engine's lease was given back by the move");
        connection.close();
        assertEquals(1, forward.open.get(), "only the new connection's lease is still open");
    }

    /**
     * The loop MoveIT found: a connection forwarded to the old owner whose request in flight comes back to this server
     * on another connection. Re-homing waits for that request only, not for the connection it comes back on, and
     * leaves the connections already on the current provider alone.
     */
    @Test
    void rehomingMovesEachEarlierConnectionOnceItsOwnRequestsAreAnswered() throws Exception {
        CountDownLatch cameBack = new CountDownLatch(1);
        Filled forward = new Filled(2, cameBack);
        Filled engine = new Filled(1);
        SwitchableDevices devices = new SwitchableDevices(forward, true);
        DeviceLease forwarded = devices.acquire("v").orElseThrow();
        devices.switchTo(engine); // this server took the store over
        DeviceLease back = devices.acquire("v").orElseThrow();
        CompletableFuture<Byte> inFlight = CompletableFuture.supplyAsync(() -> readOrThrow(forwarded));
        Thread.sleep(100);

        CompletableFuture<Integer> rehomed = CompletableFuture.supplyAsync(devices::rehome);
        assertThrows(TimeoutException.class, () -> rehomed.get(300, TimeUnit.MILLISECONDS), "waits for the forward's");
        assertEquals(1, readFirst(back.device()), "the connection the request comes back on is not held");
        cameBack.countDown();

        assertEquals(1, rehomed.get(5, TimeUnit.SECONDS), "one connection moved, the other was home already");
        assertEquals((byte) 2, inFlight.get(5, TimeUnit.SECONDS), "the request in flight was answered where it was");
        assertEquals(1, readFirst(forwarded.device()), "the forwarded connection now reads the engine");
        assertEquals(0, forward.open.get(), "its forward was closed");
        assertEquals(2, engine.open.get());
        assertEquals(0, devices.rehome(), "a second re-homing finds nothing to move");
        forwarded.close();
        back.close();
        assertEquals(0, engine.open.get());
    }

    private static byte readOrThrow(DeviceLease lease) {
        try {
            return readFirst(lease.device());
        } catch (BlockIoException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A forwarded READ starts on the caller's thread (the event loop) and completes when the owner answers; a move's
     * hold waits for that answer as for a request on an I/O thread, and while the gate is held nothing starts that way
     * (the request takes the ordinary path, which waits off the loop). On the engine nothing starts that way at all.
     */
    @Test
    void forwardedRequestsStartOnTheCallerAndAHoldWaitsForTheirAnswers() throws Exception {
        Forwards forward = new Forwards(2);
        Filled engine = new Filled(1);
        SwitchableDevices devices = new SwitchableDevices(forward, true);
        DeviceLease connection = devices.acquire("v").orElseThrow();
        RemoteBacked remote = (RemoteBacked) connection.device();
        assertTrue(remote.remote(), "a forward is behind another server");
        ByteBuffer dst = ByteBuffer.allocate(16);
        CompletableFuture<Void> read = remote.startRead(0, dst);
        assertTrue(read != null && !read.isDone(), "started, not answered yet");
        assertEquals(1, forward.startedOnCaller.get());

        // The hold runs here (the thread that releases must be the one that held); the owner answers 300 ms later.
        CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            forward.answer.complete(null);
        });
        long started = System.nanoTime();
        devices.hold();
        assertEquals(2, dst.get(0), "the hold returned only once the forwarded read was answered");
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(250), "the hold waited for it");
        answering.get(5, TimeUnit.SECONDS);
        read.get(5, TimeUnit.SECONDS);
        assertEquals(
                null,
                CompletableFuture.supplyAsync(() -> remote.startRead(0, ByteBuffer.allocate(16)))
                        .get(5, TimeUnit.SECONDS),
                "held: nothing starts on another thread (an event loop)");
        assertEquals(1, forward.startedOnCaller.get());
        devices.release(engine);

        assertFalse(remote.remote(), "on this server's engine now");
        assertEquals(null, remote.startRead(0, ByteBuffer.allocate(16)), "the engine's reads take the ordinary path");
        assertEquals(1, readFirst(connection.device()));
        connection.close();
    }

    @Test
    void aConnectionWhoseVolumeIsGoneAfterTheMoveFailsItsRequests() throws Exception {
        SwitchableDevices devices = new SwitchableDevices(new Filled(1), true);
        DeviceLease connection = devices.acquire("v").orElseThrow();
        devices.hold();
        devices.release(SwitchableDevices.NONE);
        BlockIoException e = assertThrows(BlockIoException.class, () -> readFirst(connection.device()));
        assertTrue(e.getMessage().contains("not served here any more"), e.getMessage());
        connection.close();
    }

    @Test
    void aServerAloneOnItsStoreHandsOutTheProvidersOwnDevices() {
        Filled engine = new Filled(1);
        DeviceLease lease = new SwitchableDevices(engine).acquire("v").orElseThrow();
        assertTrue(lease.device() instanceof Device, "no wrapper on the I/O path of a file store");
    }
}
