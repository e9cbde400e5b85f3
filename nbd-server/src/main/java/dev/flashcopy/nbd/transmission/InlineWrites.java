package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.nbd.dispatch.IoLane;
import dev.flashcopy.nbd.metrics.ExportMetrics;
import dev.flashcopy.nbd.protocol.CommandFlag;
import dev.flashcopy.nbd.protocol.NbdCommand;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * Does a plain WRITE on the event loop, as one buffered write into the page cache, when that cannot wait long:
 * it saves the two thread hops (to an I/O thread and back) that cost more than the copy itself. Only a write
 * that is not FUA (its sync would wait for the disk), of at most {@code -Dflashcopy.inlineWrites} bytes, to a device that names
 * the file it goes to ({@link BlockDevice#serialWriteKey}) and writes it inline ({@link
 * BlockDevice#writeInline}: a volume in no relationship), when
 * <ul>
 *   <li>the connection has no write, trim or zeroing in flight, and the file's serial lane is idle: every
 *       earlier write of this connection has finished, so the order {@link SerialWrites} keeps is kept;</li>
 *   <li>dirty memory is well below the kernel's thresholds ({@link DirtyMemory}), so the write does not sleep
 *       in the kernel's throttle;</li>
 *   <li>no inline write to the file held a loop for long lately, and no other loop writes it inline now
 *       ({@link FileStall}).</li>
 * </ul>
 * Anything else, and a write the device declines (RWF_NOWAIT's EAGAIN, a relationship, a held gate), goes to the
 * lane as before, with nothing written. Every try's time on the loop goes to {@link ExportMetrics#loopHeld}.
 * {@code -Dflashcopy.inlineWrites=BYTES} sets the size limit; 0 turns it off.
 *
 * <p>Not thread-safe: one per connection, used on its event loop.
 */
final class InlineWrites {
    /** The tunable's value; tests change it with {@link #maxBytes(int)} (a volatile read: a plain load on x86). */
    private static volatile int maxBytes = Tunables.INLINE_WRITES.intValue(0);

    private final BlockDevice device;
    private final SerialWrites serialWrites;
    private final CommandRunner runner;
    private final ExportMetrics metrics;
    private Object lastKey;
    private FileStall lastStall;

    InlineWrites(BlockDevice device, SerialWrites serialWrites, CommandRunner runner, ExportMetrics metrics) {
        this.device = device;
        this.serialWrites = serialWrites;
        this.runner = runner;
        this.metrics = metrics;
    }

    /** For tests, which cannot set the tunable once per test: the size limit from now on; returns the old one. */
    static int maxBytes(int limit) {
        int old = maxBytes;
        maxBytes = limit;
        return old;
    }

    /**
     * The reply to {@code r} (a checked, bound WRITE) when it was written here, its payload still to be released
     * by the caller; null when it was not, with nothing written: dispatch it. {@code mutationsInFlight} counts the
     * connection's writes, trims and zeroings dispatched and not yet answered.
     */
    ByteBuf reply(NbdRequest r, int mutationsInFlight) {
        if (r.length() > maxBytes || mutationsInFlight > 0 || CommandFlag.FUA.isSet(r.flags())) {
            return null;
        }
        Object key = device.serialWriteKey(r.offset(), r.length());
        if (key == null) {
            return null;
        }
        if (key != lastKey) {
            lastStall = FileStall.of(key);
            lastKey = key;
        }
        long start = System.nanoTime();
        if (!lastStall.allows(start)) {
            return null;
        }
        IoLane lane = serialWrites.fileLane(r);
        if ((lane != null && !lane.idle()) || !DirtyMemory.low() || !lastStall.enter()) {
            return null;
        }
        ByteBuf payload = r.payload();
        BlockIoException failure = null;
        boolean written;
        try {
            written = device.writeInline(
                    r.offset(),
                    payload.nioBufferCount() == 1 ? new ByteBuffer[] {payload.nioBuffer()} : payload.nioBuffers());
        } catch (BlockIoException e) {
            written = true; // part of it went down: answer the error rather than write it again
            failure = e;
        } finally {
            lastStall.exit();
        }
        long end = System.nanoTime();
        metrics.loopHeld(NbdCommand.WRITE, end - start);
        lastStall.held(end - start, end);
        return written ? runner.afterSync(r, failure) : null;
    }
}
