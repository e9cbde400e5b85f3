package dev.flashcopy.engine.volume;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/** An open file of a {@link SimulatedDisk}; fails with EIO after a crash. Thread-safe (the disk's lock). */
final class SimulatedFile implements DiskFile {
    private final SimulatedDisk disk;
    private final Path path;
    private final SimInode inode;
    private final int born;

    SimulatedFile(SimulatedDisk disk, Path path, SimInode inode, int born) {
        this.disk = disk;
        this.path = path;
        this.inode = inode;
        this.born = born;
    }

    private int check(SimulatedDisk.Op op) {
        if (born != disk.generation()) {
            return EIO; // the machine restarted under this descriptor
        }
        return disk.fault(path, op);
    }

    @Override
    public long pread(MemorySegment dst, long count, long offset) {
        synchronized (disk) {
            int errno = check(SimulatedDisk.Op.READ);
            if (errno != 0) {
                return -errno;
            }
            long n = Math.max(0, Math.min(count, inode.size() - offset));
            MemorySegment.copy(inode.live(), (int) offset, dst, ValueLayout.JAVA_BYTE, 0, (int) n);
            return n;
        }
    }

    @Override
    public long pwrite(MemorySegment src, long count, long offset) {
        synchronized (disk) {
            int errno = check(SimulatedDisk.Op.WRITE);
            if (errno != 0) {
                return -errno;
            }
            byte[] data = new byte[(int) count];
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 0, data, 0, (int) count);
            inode.write(offset, data, true);
            return count;
        }
    }

    @Override
    public int fdatasync() {
        return fsync();
    }

    @Override
    public int fsync() {
        synchronized (disk) {
            int errno = check(SimulatedDisk.Op.SYNC);
            if (errno != 0) {
                return -errno;
            }
            disk.countSync(path); // a power loss frozen here keeps none of what this sync would have made durable
            inode.sync();
            return 0;
        }
    }

    @Override
    public int ftruncate(long length) {
        synchronized (disk) {
            int errno = check(SimulatedDisk.Op.TRUNCATE);
            if (errno != 0) {
                return -errno;
            }
            inode.truncate(length);
            return 0;
        }
    }

    @Override
    public int fallocate(int mode, long offset, long length) {
        synchronized (disk) {
            // A punch frees space and never fails for want of it; a zero range allocates.
            int errno =
                    check((mode & FALLOC_FL_PUNCH_HOLE) != 0 ? SimulatedDisk.Op.TRUNCATE : SimulatedDisk.Op.ALLOCATE);
            if (errno != 0) {
                return -errno;
            }
            inode.write(offset, new byte[(int) length], (mode & FALLOC_FL_KEEP_SIZE) == 0);
            return 0;
        }
    }

    @Override
    public long lseek(long offset, int whence) {
        synchronized (disk) {
            if (born != disk.generation()) {
                return -EIO;
            }
            long size = inode.size();
            return switch (whence) {
                case SEEK_END -> size + offset;
                case SEEK_DATA -> offset < size ? offset : -ENXIO; // no holes are kept: all is data
                case SEEK_HOLE -> offset < size ? size : -ENXIO;
                default -> -22;
            };
        }
    }

    @Override
    public long copyFileRange(long offset, DiskFile dest, long destOffset, long length) {
        return -EXDEV; // the caller copies through memory, which comes back through pread/pwrite
    }

    @Override
    public void fadviseWillNeed(long offset, long length) {}

    @Override
    public int close() {
        return 0;
    }
}
