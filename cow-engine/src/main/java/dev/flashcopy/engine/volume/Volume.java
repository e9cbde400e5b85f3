package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.FileRangeDevice;
import dev.flashcopy.engine.device.HeldFile;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.engine.image.ReadsFromCache;
import dev.flashcopy.engine.image.VolumeImage;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A named image served as a block device, with no copy-on-write: reads and writes go straight
 * to the image. TRIM punches a hole, zeroing uses the image's own zeroing ({@code fallocate} on a file), and the
 * allocation map is the store's own record of holes. Its image is its data, so when that is an {@link ImageFile}
 * it lends the file for sends of ranges the page cache holds ({@link ImageChannel}) and reads from the page cache
 * without waiting; on any other image both answer "no" and the server takes the usual path. Thread-safe (see
 * {@link VolumeImage}).
 */
public final class Volume implements BlockDevice, FileRangeDevice, AutoCloseable {
    private final String name;
    private final VolumeImage image;
    private final boolean readOnly;
    /** The image's page-cache reads; null when its store has none. */
    private final ReadsFromCache cached;
    /** Lends the image's file for sends; null when the image is no file. */
    private final ImageChannel sendable;

    public Volume(String name, VolumeImage image, boolean readOnly) {
        this.name = name;
        this.image = image;
        this.readOnly = readOnly;
        this.cached = image instanceof ReadsFromCache c ? c : null;
        this.sendable = image instanceof ImageFile file ? new ImageChannel(file) : null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return image.size();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    /** The image's file, or null when the image is no file. */
    public Path path() {
        return image instanceof ImageFile file ? file.path() : null;
    }

    public VolumeImage image() {
        return image;
    }

    @Override
    public boolean readCached(long offset, ByteBuffer dst) {
        return cached != null && cached.readCached(offset, dst);
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        image.read(offset, dst);
    }

    /** Every write here is one write to the image (a read-only volume refuses it before any). */
    @Override
    public Object serialWriteKey(long offset, long length) {
        // Only a file gains: its writes would queue on the inode lock anyway. An RBD image takes many writes in
        // flight (one OSD round trip each), and a lane would leave it one (measured: 4 KiB writes 0.29 of qemu-nbd
        // with the lane, 1.34 without; bench/RESULTS.md, "Ceph RBD").
        return image instanceof ImageFile ? image : null;
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        checkWritable();
        image.write(offset, src);
        if (fua) {
            // Durability: the bytes just written must be stable before the reply says so.
            image.datasync();
        }
    }

    @Override
    public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
        checkWritable();
        image.write(offset, srcs);
        if (fua) {
            // Durability: the bytes just written must be stable before the reply says so.
            image.datasync();
        }
    }

    /** {@link ImageFile#writeInline} when the image is a file (others answer false: the write takes the lane). */
    @Override
    public boolean writeInline(long offset, ByteBuffer[] srcs) throws BlockIoException {
        return !readOnly && image instanceof ImageFile file && file.writeInline(offset, srcs);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        checkWritable();
        try {
            image.punchHole(offset, length);
        } catch (BlockIoException e) {
            if (e.error() != BlockError.NOT_SUPPORTED) {
                throw e;
            }
            // TRIM is advisory (NBD spec): a file system that cannot punch keeps the data.
        }
        if (fua) {
            image.datasync();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        checkWritable();
        try {
            if (mode == ZeroMode.PUNCH) {
                image.punchHole(offset, length);
            } else {
                image.zeroRange(offset, length);
            }
        } catch (BlockIoException e) {
            if (e.error() != BlockError.NOT_SUPPORTED) {
                throw e;
            }
            if (fastOnly) {
                throw new BlockIoException(BlockError.NOT_SUPPORTED, "fast zero not supported by the file system");
            }
            image.writeZeroBytes(offset, length);
        }
        if (fua) {
            image.datasync();
        }
    }

    @Override
    public void flush() throws BlockIoException {
        // Durability: all writes completed on any connection went through this one image (one descriptor's
        // file, one RBD handle), so one datasync covers them all.
        image.datasync();
    }

    @Override
    public void cache(long offset, long length) {
        image.willNeed(offset, length);
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        image.mapAllocation(offset, length, sink);
    }

    @Override
    public HeldFile fileHolding(long offset, long length) {
        return sendable == null ? null : sendable.hold(offset, length);
    }

    private void checkWritable() throws BlockIoException {
        if (readOnly) {
            throw new BlockIoException(BlockError.PERMISSION, "volume " + name + " is read-only");
        }
    }

    @Override
    public void close() {
        if (sendable != null) {
            sendable.close(); // sends under way keep their own descriptor until they finish
        }
        image.close();
    }
}
