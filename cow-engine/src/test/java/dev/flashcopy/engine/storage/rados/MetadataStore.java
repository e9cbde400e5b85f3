package dev.flashcopy.engine.storage.rados;

import dev.flashcopy.engine.image.CephTestCluster;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import dev.flashcopy.rbd.Pool;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * A store for a data directory's metadata in tests, by name: {@code posix} (the test's temporary directory through
 * {@link Disk#posix()}) or {@code rados} (the same path kept as objects of the test cluster's pool {@code rbd} under
 * a prefix no other run uses, found as the rbd module's tests find the cluster). Tests parameterised over {@link
 * #NAMES} run the same assertions on both; {@link #write} and {@link #read} reach the raw bytes as a test that
 * damages a file needs. {@link #close} removes what a rados store created. No cluster is a failure, never a skip.
 */
public final class MetadataStore implements AutoCloseable {
    /** For {@code @ValueSource(strings = ...)} of parameterised tests. */
    public static final String POSIX = "posix";

    public static final String RADOS = "rados";

    private final Disk disk;
    private final Path root;
    /** The object name prefix of a rados store; null for posix. */
    private final String prefix;

    private MetadataStore(Disk disk, Path root, String prefix) {
        this.disk = disk;
        this.root = root;
        this.prefix = prefix;
    }

    /** The store {@code name} rooted at {@code dir} (a fresh temporary directory), its root directory created. */
    public static MetadataStore open(String name, Path dir) throws IOException {
        Path root = dir.toAbsolutePath();
        String prefix = switch (name) {
            case POSIX -> null;
            case RADOS -> unique("radosdisk-test");
            default -> throw new IllegalArgumentException("store: " + name + " (expected: posix or rados)");
        };
        Disk disk = prefix == null ? Disk.posix() : new RadosDisk(pool(), prefix, root);
        disk.createDirectories(root);
        return new MetadataStore(disk, root, prefix);
    }

    public Disk disk() {
        return disk;
    }

    public Path root() {
        return root;
    }

    /** The object name prefix of a rados store; null for posix. */
    public String prefix() {
        return prefix;
    }

    /** Replaces the whole content of {@code path} with {@code data}, not atomically (as a damaging test wants). */
    public void write(Path path, byte[] data) throws IOException {
        DiskFile file = disk.open(path, Disk.OpenMode.CREATE_TRUNCATE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            if (data.length > 0 && file.pwrite(buf, data.length, 0) != data.length) {
                throw new IOException("write " + path + " failed");
            }
        } finally {
            file.close();
        }
    }

    public byte[] read(Path path) throws IOException {
        return disk.readAll(path);
    }

    /** The test cluster's pool, shared by the whole test JVM (one connection with the image tests). */
    public static Pool pool() {
        return CephTestCluster.pool();
    }

    /** A name no earlier run used, so a run that died half-way leaves nothing in this one's way. */
    public static String unique(String prefix) {
        return CephTestCluster.unique(prefix);
    }

    /** Removes everything under the root of a rados store (the temporary directory takes care of posix). */
    @Override
    public void close() throws IOException {
        if (prefix != null) {
            removeTree(root);
            pool().remove(prefix + "/"); // the root's own directory object
        }
    }

    private void removeTree(Path dir) throws IOException {
        List<Path> entries = disk.list(dir);
        for (Path entry : entries) {
            if (disk.isRegularFile(entry)) {
                disk.deleteIfExists(entry);
            } else {
                removeTree(entry);
                disk.deleteIfExists(entry);
            }
        }
    }
}
