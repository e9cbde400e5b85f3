package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.device.HeldFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An image as a read-only {@link FileChannel} a server can send from ({@code sendfile}, {@code splice}), for
 * {@link Volume#fileHolding}. It is a second descriptor on the same file (Java offers no channel over the
 * engine's own), opened on first use. Holds are counted: the volume's close gives up its own, and the channel
 * closes when the last hold is released, so a send still under way never finds its descriptor closed (or
 * reused for another file). A range is lent only when the page cache holds all of it ({@code cachestat}): a
 * send runs on a network event loop, which must never wait on the disk, so an uncached range is read the
 * usual way on an I/O thread, which brings it into the cache. On a simulated disk, on kernels before 6.5
 * (no {@code cachestat}), or when the file cannot be opened again, nothing is lent.
 *
 * <p>Thread-safe: the hold count is atomic; the channel is opened under a lock, once.
 */
final class ImageChannel implements HeldFile, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ImageChannel.class.getName());
    private static final long PAGE = Posix.pageSize();
    /** Each thread's cachestat arguments, allocated once: {@code cachestat_range} (16 bytes), then 40 of stats. */
    private static final ThreadLocal<MemorySegment> CACHESTAT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(56, 8));

    private static volatile boolean kernelLacksCachestat;

    private final ImageFile image;
    /** 1 for the volume, plus one per lent hold; at 0 the channel is closed and nothing more is lent. */
    private final AtomicInteger holds = new AtomicInteger(1);

    private final AtomicBoolean closedByVolume = new AtomicBoolean();
    private volatile FileChannel channel;
    private boolean unusable;

    ImageChannel(ImageFile image) {
        this.image = image;
    }

    /** A hold on the channel when {@code [offset, offset + length)} is all in the page cache; else null. */
    HeldFile hold(long offset, long length) {
        if (image.fd < 0 || kernelLacksCachestat || closedByVolume.get() || !resident(offset, length)) {
            return null;
        }
        int n;
        do {
            n = holds.get();
            if (n == 0) {
                return null; // the volume is closed and every send is over
            }
        } while (!holds.compareAndSet(n, n + 1));
        if (channel == null && open() == null) {
            release();
            return null;
        }
        return this;
    }

    private boolean resident(long offset, long length) {
        MemorySegment args = CACHESTAT.get();
        args.set(ValueLayout.JAVA_LONG, 0, offset);
        args.set(ValueLayout.JAVA_LONG, 8, length);
        if (Posix.cachestat(image.fd, args, args.asSlice(16)) != 0) {
            if (Posix.errno() == Posix.ENOSYS) {
                kernelLacksCachestat = true;
            }
            return false;
        }
        long pages = (offset + length + PAGE - 1) / PAGE - offset / PAGE;
        return args.get(ValueLayout.JAVA_LONG, 16) >= pages;
    }

    private synchronized FileChannel open() {
        if (channel == null && !unusable) {
            try {
                channel = FileChannel.open(image.path(), StandardOpenOption.READ);
            } catch (IOException e) {
                unusable = true; // reads keep working through the engine's own descriptor
                LOG.log(
                        System.Logger.Level.WARNING,
                        "cannot open {0} for sending; reads copy instead: {1}",
                        image.path(),
                        e.toString());
            }
        }
        return channel;
    }

    @Override
    public FileChannel channel() {
        return channel;
    }

    @Override
    public void release() {
        if (holds.decrementAndGet() == 0) {
            closeChannel();
        }
    }

    /** The volume is closing: no new holds once the sends under way are over; the last one closes the channel. */
    @Override
    public void close() {
        if (closedByVolume.compareAndSet(false, true)) {
            release();
        }
    }

    private synchronized void closeChannel() {
        unusable = true;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the send channel of " + image.path() + " failed", e);
            }
        }
    }
}
