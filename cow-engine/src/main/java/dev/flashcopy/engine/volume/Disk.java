package dev.flashcopy.engine.volume;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file system as the engine uses it: open files for positional I/O and force ({@link DiskFile}), and the
 * directory operations whose durability the engine orders (create, atomic rename, delete, directory fsync,
 * listing). {@link #posix()} is the real one (FFM calls to libc); tests substitute a simulated disk that loses
 * what was not forced at a simulated power loss, or fails chosen operations. Every image, the journal,
 * checkpoints, catalogs and revert areas go through one {@code Disk} per data directory.
 *
 * <p>Implementations are thread-safe.
 */
public interface Disk {
    /** How {@link #open} treats a missing or existing file. */
    enum OpenMode {
        /** An existing file, read only. */
        READ,
        /** An existing file, read and write. */
        WRITE,
        /** A new file; fails if it exists. */
        CREATE_NEW,
        /** An existing file, or a new empty one. */
        CREATE,
        /** A new file, or an existing one cut to length 0. */
        CREATE_TRUNCATE
    }

    /** The real file system, through libc. */
    static Disk posix() {
        return PosixDisk.INSTANCE;
    }

    /** Opens {@code path}; failures name the path and the kernel's reason. */
    DiskFile open(Path path, OpenMode mode) throws IOException;

    boolean exists(Path path);

    boolean isRegularFile(Path path);

    /** The whole content of a (small) file: catalogs, checkpoints. */
    byte[] readAll(Path path) throws IOException;

    /** Renames {@code from} over {@code to} atomically; not durable until {@link #syncDirectory}. */
    void rename(Path from, Path to) throws IOException;

    /** Deletes the file if it exists; not durable until {@link #syncDirectory}. */
    void deleteIfExists(Path path) throws IOException;

    void createDirectories(Path dir) throws IOException;

    /** The entries of directory {@code dir}, as paths under it, in name order (recovery sweeps stale files). */
    List<Path> list(Path dir) throws IOException;

    /** Makes the directory's entries (creates, renames, deletes) durable. */
    void syncDirectory(Path dir) throws IOException;
}
