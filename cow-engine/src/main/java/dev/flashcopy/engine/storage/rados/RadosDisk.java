package dev.flashcopy.engine.storage.rados;

import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Pool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link Disk} whose files are RADOS objects of one pool and whose directories are objects listing their entries
 * as omap keys ({@link ObjectNames} says which object a path is). The engine's metadata (catalogs, journal,
 * checkpoints, failure and ending logs, revert-area logs) lives here unchanged in format; volume images do not.
 *
 * <p>Entries are kept in the directory's omap, never found by listing the pool: a pool listing costs O(objects in
 * the pool), and an RBD pool holds millions of data objects. The order of the two writes a create or a delete
 * makes is chosen so that a crash between them leaves at worst a key without its object (which {@link #list}
 * skips and the next delete removes), never an object no listing can find: the key goes first on a create, last
 * on a delete.
 *
 * <p>Thread-safe: each call is a few synchronous object operations, and the {@link Pool} is thread-safe. As on a
 * file system, callers serialise their changes to one path.
 */
public final class RadosDisk implements Disk {
    private static final byte[] FILE = {'f'};
    private static final byte[] DIRECTORY = {'d'};
    private static final long FIRST_READ = 128 << 10;

    private final Pool pool;
    private final ObjectNames names;

    /**
     * The data directory {@code root} (absolute) kept as objects named {@code prefix/...} in {@code pool}. The
     * prefix, not a RADOS namespace, keeps data directories apart: a namespace is set on the whole I/O context,
     * which the pool's images and leases share.
     */
    public RadosDisk(Pool pool, String prefix, Path root) {
        this.pool = pool;
        this.names = new ObjectNames(prefix, root);
    }

    @Override
    public DiskFile open(Path path, OpenMode mode) throws IOException {
        String oid = names.file(path);
        try {
            switch (mode) {
                case READ, WRITE -> pool.stat(oid); // ENOENT, as open(2) without O_CREAT
                case CREATE_NEW -> {
                    addEntry(path, FILE);
                    pool.create(oid, new byte[0]); // exclusive: EEXIST, as O_EXCL
                }
                case CREATE -> {
                    addEntry(path, FILE);
                    pool.touch(oid);
                }
                case CREATE_TRUNCATE -> {
                    addEntry(path, FILE);
                    pool.writeFull(oid, new byte[0]); // creates or empties, in one step
                }
            }
        } catch (CephException e) {
            throw failure("open", path, oid, e);
        }
        return new RadosFile(pool, oid, mode == OpenMode.READ);
    }

    @Override
    public boolean exists(Path path) {
        try {
            return isRoot(path)
                    ? isObject(names.directory(path))
                    : isObject(names.file(path)) || isObject(names.directory(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean isRegularFile(Path path) {
        try {
            return !isRoot(path) && isObject(names.file(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean isRoot(Path path) {
        return path.toAbsolutePath().normalize().equals(names.root());
    }

    /**
     * Whether the object exists. Any error but ENOENT is thrown, not taken for "absent" as {@code Files.exists}
     * would: on a network store errors are expected (a fenced client, a timeout), and a caller that took one for
     * "absent" would create afresh what exists, such as an empty journal over a full one.
     */
    private boolean isObject(String oid) {
        try {
            pool.stat(oid);
            return true;
        } catch (CephException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw new UncheckedIOException("stat " + oid + ": " + e.getMessage(), e);
        }
    }

    /**
     * The whole object in one read, so that it is one version of it even while a {@link #rename} replaces it: a read
     * that comes back shorter than its buffer has the whole object. Metadata objects are small, so the first read
     * (128 KiB, two journal chunks) usually is the only one; one that fills its buffer is done again with a buffer
     * larger than the size seen just before.
     */
    @Override
    public byte[] readAll(Path path) throws IOException {
        String oid = names.file(path);
        try (Arena arena = Arena.ofConfined()) {
            long capacity = FIRST_READ;
            while (true) {
                MemorySegment buf = arena.allocate(capacity);
                long n = pool.read(oid, buf, capacity, 0);
                if (n < capacity) {
                    return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                }
                capacity = Math.max(2 * capacity, pool.stat(oid).size() + FIRST_READ);
                if (capacity > Integer.MAX_VALUE - 8) {
                    throw new IOException(path + " (object " + oid + ") is too large to read whole");
                }
            }
        } catch (CephException e) {
            throw failure("read", path, oid, e);
        }
    }

    /**
     * Atomic for readers: the new content replaces {@code to} with one {@code write_full}, which RADOS applies whole
     * or not at all, so a reader of {@code to} sees the old object or the new, never a missing or partial one.
     * {@code from} goes only after that. A crash in between leaves {@code from} as well, exactly what a crash
     * before a rename leaves on a file system: a stale temporary file, which the next replace of the same file
     * empties and reuses ({@code CREATE_TRUNCATE}) and a sweep of the directory removes, as it does there.
     */
    @Override
    public void rename(Path from, Path to) throws IOException {
        String fromOid = names.file(from);
        String toOid = names.file(to);
        byte[] content = readAll(from);
        try {
            addEntry(to, FILE);
            pool.writeFull(toOid, content);
        } catch (CephException e) {
            throw failure("rename " + from + " to", to, toOid, e);
        }
        deleteIfExists(from);
    }

    @Override
    public void deleteIfExists(Path path) throws IOException {
        String oid = names.file(path);
        try {
            try {
                pool.remove(oid);
            } catch (CephException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
                deleteDirectoryIfEmpty(path);
            }
            pool.omapRemove(names.parent(path), path.getFileName().toString());
        } catch (CephException e) {
            if (e.errno() != Errno.ENOENT) { // no parent directory: nothing listed it
                throw failure("delete", path, oid, e);
            }
        }
    }

    /** As {@code rmdir}: an empty directory goes, one with entries is {@link DirectoryNotEmptyException}. */
    private void deleteDirectoryIfEmpty(Path path) throws IOException, CephException {
        String dir = names.directory(path);
        Map<String, byte[]> entries;
        try {
            entries = pool.omap(dir);
        } catch (CephException e) {
            if (e.errno() == Errno.ENOENT) {
                return;
            }
            throw e;
        }
        if (!liveEntries(path, entries).isEmpty()) {
            throw new DirectoryNotEmptyException(path.toString());
        }
        pool.remove(dir);
    }

    /** Each missing level from the root down: its entry in its parent first, then its own object. */
    @Override
    public void createDirectories(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        names.relative(target);
        if (isObject(names.directory(target))) {
            return;
        }
        Path level = names.root();
        try {
            pool.touch(names.directory(level));
            if (target.equals(level)) {
                return;
            }
            for (Path name : level.relativize(target)) {
                level = level.resolve(name);
                if (isObject(names.file(level))) {
                    throw new FileAlreadyExistsException(level.toString(), null, "a file, not a directory");
                }
                pool.omapSet(names.parent(level), name.toString(), DIRECTORY, false);
                pool.touch(names.directory(level));
            }
        } catch (CephException e) {
            throw failure("create directory", level, names.directory(level), e);
        }
    }

    /** The directory's omap keys whose objects exist (a crash can leave a key without its object), in name order. */
    @Override
    public List<Path> list(Path dir) throws IOException {
        String oid = names.directory(dir);
        try {
            return liveEntries(dir, pool.omap(oid));
        } catch (CephException e) {
            throw failure("list", dir, oid, e);
        }
    }

    private List<Path> liveEntries(Path dir, Map<String, byte[]> entries) throws IOException {
        List<Path> live = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            Path entry = dir.resolve(e.getKey());
            boolean isDirectory = e.getValue().length == 1 && e.getValue()[0] == DIRECTORY[0];
            if (isObject(isDirectory ? names.directory(entry) : names.file(entry))) {
                live.add(entry);
            }
        }
        live.sort(null);
        return live;
    }

    /**
     * Nothing to do: a directory's entries are omap keys, and every create, rename or delete updated them with an
     * object write that RADOS acknowledged only once it was durable on every replica.
     */
    @Override
    public void syncDirectory(Path dir) throws IOException {
        names.directory(dir); // a path outside the root is still an error
    }

    /** Lists {@code path} in its parent directory, which must exist (ENOENT otherwise, as open(2) says). */
    private void addEntry(Path path, byte[] kind) throws CephException, IOException {
        pool.omapSet(names.parent(path), path.getFileName().toString(), kind, false);
    }

    private static IOException failure(String what, Path path, String oid, CephException e) {
        String message = what + " " + path + " (object " + oid + "): " + e.getMessage();
        return switch (e.errno()) {
            case Errno.ENOENT -> new NoSuchFileException(path.toString(), null, message);
            case Errno.EEXIST -> new FileAlreadyExistsException(path.toString(), null, message);
            default -> new IOException(message, e);
        };
    }
}
