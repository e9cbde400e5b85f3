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
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Connections that move with their server's role: a pause while held, then the next provider's device. */
class SwitchableDevicesTest {
    /** One volume {@code v} of 4 KiB whose every byte reads as {@code fill}; counts open leases. */
    private static final class Filled implements DeviceProvider {
        final byte fill;
        final AtomicInteger open = new AtomicInteger();

        Filled(int fill) {
            this.fill = (byte) fill;
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
            BlockDevice device = new Device(fill);
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

    private record Device(byte fill) implements BlockDevice {
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
