package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoLane;
import dev.flashcopy.nbd.protocol.CommandFlag;
import dev.flashcopy.nbd.protocol.NbdCommand;

/**
 * Picks the lane of a plain WRITE: the device's serial lane for the file it goes to, when the device says it is
 * one write to one file ({@link BlockDevice#serialWriteKey}); else null, and the request goes to the dispatcher's
 * threads as any other. Such writes queue on the file's lock in the kernel whatever we do: with 32 threads
 * writing 4 KiB at random into one ext4 file, a profile showed 18 % of the server's time spinning on that lock,
 * while one thread writing back to back cut the CPU per write by a third and raised IOPS (bench/RESULTS.md,
 * "Serial writes"). FUA writes stay concurrent: their syncs are shared by the writes that wait together.
 * {@code -Dflashcopy.serialWrites=false} turns it off, for A/B measurements.
 *
 * <p>Not thread-safe: one per connection, used on its event loop. It remembers the last lane it found, since a
 * connection writes one file.
 */
final class SerialWrites {
    private static final boolean ENABLED = Tunables.SERIAL_WRITES.booleanValue();

    private final BlockDevice device;
    private final IoDispatcher dispatcher;
    private Object lastKey;
    private IoLane lastLane;

    SerialWrites(BlockDevice device, IoDispatcher dispatcher) {
        this.device = device;
        this.dispatcher = dispatcher;
    }

    /** The lane for {@code r}, or null when it is not a write to run serially. */
    IoLane laneFor(NbdRequest r) {
        if (!ENABLED || r.command() != NbdCommand.WRITE || CommandFlag.FUA.isSet(r.flags())) {
            return null;
        }
        Object key = device.serialWriteKey(r.offset(), r.length());
        if (key == null) {
            return null;
        }
        if (key != lastKey) {
            lastLane = dispatcher.lane(key);
            lastKey = key;
        }
        return lastLane;
    }
}
