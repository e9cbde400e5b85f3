package dev.flashcopy.engine.volume;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real {@link Disk}: files are descriptors driven by {@link Posix} (FFM calls to libc), directory
 * operations are the JDK's, which make the same system calls.
 *
 * <p>Thread-safe and stateless; one instance.
 */
final class PosixDisk implements Disk {
    static final PosixDisk INSTANCE = new PosixDisk();

    private PosixDisk() {}

    @Override
    public DiskFile open(Path path, OpenMode mode) throws IOException {
        int flags = switch (mode) {
            case READ -> Posix.O_RDONLY;
            case WRITE -> Posix.O_RDWR;
            case CREATE_NEW -> Posix.O_RDWR | Posix.O_CREAT | Posix.O_EXCL;
            case CREATE -> Posix.O_RDWR | Posix.O_CREAT;
            case CREATE_TRUNCATE -> Posix.O_RDWR | Posix.O_CREAT | Posix.O_TRUNC;
        };
        int fd = Posix.open(path.toString(), flags | Posix.O_CLOEXEC, 0644);
        if (fd < 0) {
            throw new IOException("cannot open " + path + ": " + Errnos.describe(Posix.errno()));
        }
        return new PosixFile(fd);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public boolean isRegularFile(Path path) {
        return Files.isRegularFile(path);
    }

    @Override
    public byte[] readAll(Path path) throws IOException {
        return Files.readAllBytes(path);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("file system of " + to + " cannot rename atomically", e);
        }
    }

    @Override
    public void deleteIfExists(Path path) throws IOException {
        Files.deleteIfExists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        }
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        int fd = Posix.open(dir.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open directory " + dir + ": " + Errnos.describe(Posix.errno()));
        }
        try {
            if (Posix.fsync(fd) != 0) {
                throw new IOException("fsync directory " + dir + ": " + Errnos.describe(Posix.errno()));
            }
        } finally {
            Posix.close(fd);
        }
    }

    /** One descriptor. Final, so calls through {@link DiskFile} inline in production. Thread-safe. */
    static final class PosixFile implements DiskFile {
        private static final ThreadLocal<MemorySegment> OFFSETS =
                ThreadLocal.withInitial(() -> Arena.global().allocate(ValueLayout.JAVA_LONG, 2));
        final int fd;

        PosixFile(int fd) {
            this.fd = fd;
        }

        private static long result(long r) {
            return r >= 0 ? r : -Posix.errno();
        }

        private static int result(int r) {
            return r == 0 ? 0 : -Posix.errno();
        }

        @Override
        public long pread(MemorySegment dst, long count, long offset) {
            return result(Posix.pread(fd, dst, count, offset));
        }

        @Override
        public long pwrite(MemorySegment src, long count, long offset) {
            return result(Posix.pwrite(fd, src, count, offset));
        }

        @Override
        public int fdatasync() {
            return result(Posix.fdatasync(fd));
        }

        @Override
        public int fsync() {
            return result(Posix.fsync(fd));
        }

        @Override
        public int ftruncate(long length) {
            return result(Posix.ftruncate(fd, length));
        }

        @Override
        public int fallocate(int mode, long offset, long length) {
            return result(Posix.fallocate(fd, mode, offset, length));
        }

        @Override
        public long lseek(long offset, int whence) {
            return result(Posix.lseek(fd, offset, whence));
        }

        @Override
        public long copyFileRange(long offset, DiskFile dest, long destOffset, long length) {
            if (!(dest instanceof PosixFile out)) {
                return -Posix.EXDEV;
            }
            MemorySegment cells = OFFSETS.get();
            cells.setAtIndex(ValueLayout.JAVA_LONG, 0, offset);
            cells.setAtIndex(ValueLayout.JAVA_LONG, 1, destOffset);
            return result(Posix.copyFileRange(fd, cells, out.fd, cells.asSlice(8), length));
        }

        @Override
        public void fadviseWillNeed(long offset, long length) {
            Posix.fadvise(fd, offset, length, Posix.POSIX_FADV_WILLNEED);
        }

        @Override
        public int close() {
            return result(Posix.close(fd));
        }
    }
}
