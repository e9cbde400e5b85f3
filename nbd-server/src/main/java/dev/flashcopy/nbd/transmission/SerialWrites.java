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
 * <p>Only writes of at most {@code -Dflashcopy.laneWrites} bytes (128 KiB) take the lane. A large write's cost is
 * its copies (from the socket, into the page cache), not the lock, and one lane thread doing them back to back
 * for every connection of a file was the ceiling of large writes: 1 MiB writes at iodepth 8 and nbdcopy's
 * 256 KiB writes over four connections (bench/RESULTS.md, "Write lanes and large writes"). Larger writes run on
 * any I/O thread, concurrently with the lane. NBD gives in-flight writes no order among themselves (a client
 * that needs one waits for the first reply), so only the lane's own writes keep their arrival order.
 *
 * <p>Not thread-safe: one per connection, used on its event loop. It remembers the last lane it found, since a
 * connection writes one file.
 */
final class SerialWrites {
    private static final boolean ENABLED = Tunables.SERIAL_WRITES.booleanValue();
    /** The tunable's value; tests change it with {@link #maxBytes(long)}. */
    private static volatile long maxBytes = Tunables.LANE_WRITES.intValue(0);

    private final BlockDevice device;
    private final IoDispatcher dispatcher;
    private Object lastKey;
    private IoLane lastLane;

    SerialWrites(BlockDevice device, IoDispatcher dispatcher) {
        this.device = device;
        this.dispatcher = dispatcher;
    }

    /** For tests, which cannot set the tunable once per test: the lane's size limit from now on; returns the old one. */
    static long maxBytes(long limit) {
        long old = maxBytes;
        maxBytes = limit;
        return old;
    }

    /** The lane for {@code r}, or null when it is not a write to run serially (FUA, too large, no file named). */
    IoLane laneFor(NbdRequest r) {
        return r.length() > maxBytes ? null : fileLane(r);
    }

    /** The serial lane of the file {@code r} writes, whatever its size; null when it is not a plain write to one. */
    IoLane fileLane(NbdRequest r) {
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
