package dev.flashcopy.engine.catalog;

import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The open volumes of one data directory, by name, and their persisted list. Images live in
 * {@code DATA/volumes/NAME.img} unless registered in place. A volume with open leases (NBD
 * connections) cannot be removed, so no descriptor is closed under a reader.
 *
 * <p>Thread-safe: every method synchronises on the store; volume I/O itself does not.
 */
public final class VolumeStore implements AutoCloseable {
    /** A reason not to remove a volume (e.g. it is in a FlashCopy relationship), or empty. */
    @FunctionalInterface
    public interface RemovalGuard {
        Optional<String> objection(String name);
    }

    private record Entry(VolumeRecord record, Volume volume, int leases) {
        Entry withLeases(int n) {
            return new Entry(record, volume, n);
        }
    }

    private final Disk disk;
    private final Path dataDir;
    private final Path imageDir;
    private final TreeMap<String, Entry> volumes = new TreeMap<>();
    private final List<String> loadProblems = new ArrayList<>();
    private RemovalGuard guard = name -> Optional.empty();

    private VolumeStore(Disk disk, Path dataDir) {
        this.disk = disk;
        this.dataDir = dataDir;
        this.imageDir = dataDir.resolve("volumes");
    }

    /** Opens every volume the catalog lists; an image that cannot be opened is reported, not fatal. */
    public static VolumeStore open(Path dataDir) throws IOException {
        return open(Disk.posix(), dataDir);
    }

    /** As {@link #open(Path)}, with every file on {@code disk} (tests pass a simulated one). */
    public static VolumeStore open(Disk disk, Path dataDir) throws IOException {
        VolumeStore store = new VolumeStore(disk, dataDir.toAbsolutePath());
        disk.createDirectories(store.imageDir);
        for (VolumeRecord record : CatalogFile.load(disk, store.dataDir)) {
            try {
                ImageFile image = ImageFile.open(disk, Path.of(record.path()), true);
                store.volumes.put(record.name(), new Entry(record, new Volume(record.name(), image, false), 0));
            } catch (IOException e) {
                store.loadProblems.add("volume " + record.name() + " not exported: " + e.getMessage());
                store.volumes.put(record.name(), new Entry(record, null, 0));
            }
        }
        return store;
    }

    /** The volumes {@code catalog.json} lists, read and verified without changing anything (fsck). */
    public static List<VolumeRecord> readCatalog(Disk disk, Path dataDir) throws IOException {
        return CatalogFile.load(disk, dataDir, false);
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The disk every file of this data directory lives on. */
    public Disk disk() {
        return disk;
    }

    /** Why some catalogued volumes could not be opened at start, one line each. */
    public synchronized List<String> loadProblems() {
        return List.copyOf(loadProblems);
    }

    public synchronized void setRemovalGuard(RemovalGuard guard) {
        this.guard = guard;
    }

    /** Creates a sparse image of {@code size} bytes in the data directory. */
    public synchronized Volume create(String name, long size) throws IOException {
        VolumeNames.check(name);
        if (size <= 0 || size % 512 != 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: a positive multiple of 512 bytes)");
        }
        checkFree(name);
        Path path = imageDir.resolve(name + ".img");
        if (disk.exists(path)) {
            throw new IllegalArgumentException("image file " + path + " already exists but is not in the catalog;"
                    + " register it with 'mkvol " + name + " --file " + path + "' or move it away");
        }
        ImageFile image = ImageFile.create(disk, path, size);
        // Durability: the image file's directory entry must exist before the catalog names it.
        disk.syncDirectory(imageDir);
        return add(new VolumeRecord(name, path.toString(), size, true), image);
    }

    /** Registers an existing raw image in place; its size is the file's length. */
    public synchronized Volume register(String name, Path file) throws IOException {
        VolumeNames.check(name);
        checkFree(name);
        Path path = file.toAbsolutePath().normalize();
        if (!disk.isRegularFile(path)) {
            throw new IllegalArgumentException(
                    "file " + path + " is not a regular file (expected: an existing raw image)");
        }
        for (Entry e : volumes.values()) {
            if (e.record().path().equals(path.toString())) {
                throw new IllegalArgumentException(
                        "file " + path + " is already volume " + e.record().name());
            }
        }
        ImageFile image = ImageFile.open(disk, path, true);
        if (image.size() == 0 || image.size() % 512 != 0) {
            image.close();
            throw new IllegalArgumentException("file " + path + " is " + image.size() + " bytes (expected: a raw"
                    + " image whose size is a non-zero multiple of 512 bytes, as a block device's is)");
        }
        return add(new VolumeRecord(name, path.toString(), image.size(), false), image);
    }

    private Volume add(VolumeRecord record, ImageFile image) throws IOException {
        Volume volume = new Volume(record.name(), image, false);
        volumes.put(record.name(), new Entry(record, volume, 0));
        try {
            persist();
        } catch (IOException e) {
            volumes.remove(record.name());
            volume.close();
            if (record.owned()) {
                disk.deleteIfExists(Path.of(record.path()));
            }
            throw e;
        }
        return volume;
    }

    /** Forgets the volume; deletes its image when the data directory owns it. */
    public synchronized void remove(String name) throws IOException {
        Entry entry = entry(name);
        if (entry.leases() > 0) {
            throw new IllegalStateException(
                    "volume " + name + " is open by " + entry.leases() + " NBD connection(s); disconnect them first");
        }
        Optional<String> objection = guard.objection(name);
        if (objection.isPresent()) {
            throw new IllegalStateException("volume " + name + " cannot be removed: " + objection.get());
        }
        volumes.remove(name);
        persist();
        if (entry.volume() != null) {
            entry.volume().close();
        }
        if (entry.record().owned()) {
            // The catalog no longer names the file, so a crash here leaves only an orphan image.
            disk.deleteIfExists(Path.of(entry.record().path()));
        }
    }

    public synchronized Optional<Volume> find(String name) {
        Entry e = volumes.get(name);
        return e == null ? Optional.empty() : Optional.ofNullable(e.volume());
    }

    /** The open volume, or an exception naming the volume. */
    public synchronized Volume get(String name) {
        Entry e = entry(name);
        if (e.volume() == null) {
            throw new IllegalStateException("volume " + name + " is in the catalog but its image "
                    + e.record().path() + " could not be opened at start");
        }
        return e.volume();
    }

    public synchronized boolean contains(String name) {
        return volumes.containsKey(name);
    }

    public synchronized List<VolumeRecord> records() {
        return volumes.values().stream().map(Entry::record).toList();
    }

    /** Marks one more user of the volume; pair with {@link #release}. */
    public synchronized Optional<Volume> lease(String name) {
        Entry e = volumes.get(name);
        if (e == null || e.volume() == null) {
            return Optional.empty();
        }
        volumes.put(name, e.withLeases(e.leases() + 1));
        return Optional.of(e.volume());
    }

    public synchronized void release(String name) {
        Entry e = volumes.get(name);
        if (e != null && e.leases() > 0) {
            volumes.put(name, e.withLeases(e.leases() - 1));
        }
    }

    private Entry entry(String name) {
        Entry e = volumes.get(name);
        if (e == null) {
            throw new NoSuchElementException("no volume named '" + name + "' (see 'flashcopy lsvol')");
        }
        return e;
    }

    private void checkFree(String name) {
        if (volumes.containsKey(name)) {
            throw new IllegalArgumentException("volume " + name + " already exists");
        }
    }

    private void persist() throws IOException {
        CatalogFile.save(disk, dataDir, records());
    }

    @Override
    public synchronized void close() {
        for (Entry e : volumes.values()) {
            if (e.volume() != null) {
                e.volume().close();
            }
        }
        volumes.clear();
    }
}
