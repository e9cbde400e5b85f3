package dev.flashcopy.engine.volume;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Disk} that passes everything to another one and counts, per file name, the data system calls the
 * engine makes: reads, writes and in-kernel copies (calls and bytes). Tests use it to check how many I/Os a
 * copy-on-write costs, not how long they take.
 *
 * <p>Thread-safe.
 */
public final class CountingDisk implements Disk {
    /** One file's counters. Thread-safe. */
    public static final class Counts {
        public final LongAdder reads = new LongAdder();
        public final LongAdder readBytes = new LongAdder();
        public final LongAdder writes = new LongAdder();
        public final LongAdder writeBytes = new LongAdder();
        public final LongAdder copies = new LongAdder();
        public final LongAdder copiedBytes = new LongAdder();

        public void reset() {
            for (LongAdder a : new LongAdder[] {reads, readBytes, writes, writeBytes, copies, copiedBytes}) {
                a.reset();
            }
        }
    }

    private final Disk inner;
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();

    public CountingDisk(Disk inner) {
        this.inner = inner;
    }

    /** The counters of every file named {@code fileName} (in any directory), made on first use. */
    public Counts of(String fileName) {
        return counts.computeIfAbsent(fileName, n -> new Counts());
    }

    /** Zeroes every counter. */
    public void reset() {
        counts.values().forEach(Counts::reset);
    }

    @Override
    public DiskFile open(Path path, OpenMode mode) throws IOException {
        return new CountingFile(inner.open(path, mode), of(path.getFileName().toString()));
    }

    @Override
    public boolean exists(Path path) {
        return inner.exists(path);
    }

    @Override
    public boolean isRegularFile(Path path) {
        return inner.isRegularFile(path);
    }

    @Override
    public byte[] readAll(Path path) throws IOException {
        return inner.readAll(path);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        inner.rename(from, to);
    }

    @Override
    public void deleteIfExists(Path path) throws IOException {
        inner.deleteIfExists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        inner.createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return inner.list(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        inner.syncDirectory(dir);
    }

    /** One open file: counts, then calls the wrapped file. */
    private record CountingFile(DiskFile inner, Counts counts) implements DiskFile {
        @Override
        public long pread(MemorySegment dst, long count, long offset) {
            counts.reads.increment();
            long n = inner.pread(dst, count, offset);
            counts.readBytes.add(Math.max(0, n));
            return n;
        }

        @Override
        public long pwrite(MemorySegment src, long count, long offset) {
            counts.writes.increment();
            long n = inner.pwrite(src, count, offset);
            counts.writeBytes.add(Math.max(0, n));
            return n;
        }

        @Override
        public int fdatasync() {
            return inner.fdatasync();
        }

        @Override
        public int fsync() {
            return inner.fsync();
        }

        @Override
        public int ftruncate(long length) {
            return inner.ftruncate(length);
        }

        @Override
        public int fallocate(int mode, long offset, long length) {
            return inner.fallocate(mode, offset, length);
        }

        @Override
        public long lseek(long offset, int whence) {
            return inner.lseek(offset, whence);
        }

        @Override
        public long copyFileRange(long offset, DiskFile dest, long destOffset, long length) {
            counts.copies.increment();
            DiskFile target = dest instanceof CountingFile c ? c.inner : dest;
            long n = inner.copyFileRange(offset, target, destOffset, length);
            counts.copiedBytes.add(Math.max(0, n));
            return n;
        }

        @Override
        public void fadviseWillNeed(long offset, long length) {
            inner.fadviseWillNeed(offset, length);
        }

        @Override
        public int close() {
            return inner.close();
        }
    }
}
