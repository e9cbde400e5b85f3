package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.HeldFile;
import io.netty.channel.DefaultFileRegion;

/**
 * A READ's data as a range of a file the device lent: a {@link DefaultFileRegion}, so the native transports
 * send it with {@code sendfile} (epoll) or {@code splice} (io_uring), and NIO with {@code transferTo}. When the
 * transport is done with it (sent, or dropped with the connection) the hold goes back to the device instead of
 * the file being closed: the file is the device's, shared by every send. Not thread-safe beyond its reference
 * count; the transport uses it on the channel's event loop.
 */
final class LentFileRegion extends DefaultFileRegion {
    private final HeldFile file;

    LentFileRegion(HeldFile file, long position, long count) {
        super(file.channel(), position, count);
        this.file = file;
    }

    @Override
    protected void deallocate() {
        file.release();
    }
}
