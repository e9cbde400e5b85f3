package dev.flashcopy.nbd.testing;

import dev.flashcopy.engine.device.FileRangeDevice;
import dev.flashcopy.engine.device.HeldFile;
import dev.flashcopy.engine.volume.Volume;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;

/** A volume served as a device that counts the holds on its image it lends, and those not given back. Thread-safe. */
public final class LendCountingVolume extends ForwardingDevice implements FileRangeDevice {
    public final AtomicInteger outstanding = new AtomicInteger();
    public final AtomicInteger lent = new AtomicInteger();
    private final Volume volume;

    public LendCountingVolume(Volume volume) {
        super(volume);
        this.volume = volume;
    }

    @Override
    public HeldFile fileHolding(long offset, long length) {
        HeldFile held = volume.fileHolding(offset, length);
        if (held == null) {
            return null;
        }
        outstanding.incrementAndGet();
        lent.incrementAndGet();
        return new HeldFile() {
            @Override
            public FileChannel channel() {
                return held.channel();
            }

            @Override
            public void release() {
                outstanding.decrementAndGet();
                held.release();
            }
        };
    }
}
