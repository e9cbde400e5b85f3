package dev.flashcopy.engine.catalog;

import dev.flashcopy.engine.image.ImageStore;
import dev.flashcopy.engine.image.VolumeImage;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.FileImageStore;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The open volumes of one data directory, by name, and their persisted list. Images live in its
 * {@link ImageStore} ({@code DATA/volumes/NAME.img}, or {@code POOL/NAME} on RBD) unless registered in place; the
 * catalog lives on its {@link Disk}. A volume with open leases (NBD connections) cannot be removed, so no
 * image is closed under a reader.
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
    private final ImageStore images;
    private final TreeMap<String, Entry> volumes = new TreeMap<>();
    private final List<String> loadProblems = new ArrayList<>();
    private RemovalGuard guard = name -> Optional.empty();

    private VolumeStore(Disk disk, Path dataDir, ImageStore images) {
        this.disk = disk;
        this.dataDir = dataDir;
        this.images = images;
    }

    /** Opens every volume the catalog lists; an image that cannot be opened is reported, not fatal. */
    public static VolumeStore open(Path dataDir) throws IOException {
        return open(Disk.posix(), dataDir);
    }

    /** As {@link #open(Path)}, with every file on {@code disk} (tests pass a simulated one). */
    public static VolumeStore open(Disk disk, Path dataDir) throws IOException {
        return open(disk, dataDir, new FileImageStore(disk, dataDir));
    }

    /**
     * As {@link #open(Disk, Path)}, with images in {@code images} (an RBD pool); the store is closed with this one.
     * The metadata stays on {@code disk} under {@code dataDir}.
     */
    public static VolumeStore open(Disk disk, Path dataDir, ImageStore images) throws IOException {
        VolumeStore store = new VolumeStore(disk, dataDir.toAbsolutePath(), images);
        for (VolumeRecord record : CatalogFile.load(disk, store.dataDir)) {
            try {
                VolumeImage image = images.open(record.path());
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

    /** The disk every metadata file of this data directory lives on. */
    public Disk disk() {
        return disk;
    }

    /** Where its images live. */
    public ImageStore images() {
        return images;
    }

    /** Why some catalogued volumes could not be opened at start, one line each. */
    public synchronized List<String> loadProblems() {
        return List.copyOf(loadProblems);
    }

    public synchronized void setRemovalGuard(RemovalGuard guard) {
        this.guard = guard;
    }

    /** The one rule for a new volume's size, which the CLI checks before it asks the server; returns {@code size}. */
    public static long checkSize(long size) {
        if (size <= 0 || size % 512 != 0) {
            throw new IllegalArgumentException("size " + size + " is not a volume size (expected: a positive multiple"
                    + " of 512 bytes, as a block device's is, e.g. 10G)");
        }
        return size;
    }

    private void checkNotReserved(String name) {
        images.reserved(name).ifPresent(why -> {
            throw new IllegalArgumentException("volume name '" + name + "': " + why);
        });
    }

    /** Creates a sparse image of {@code size} bytes in the store. */
    public synchronized Volume create(String name, long size) throws IOException {
        VolumeNames.check(name);
        checkSize(size);
        checkFree(name);
        checkNotReserved(name);
        String location = images.volumeLocation(name);
        // The image's place follows from the name, so an image registered there under another name blocks it too.
        for (Entry e : volumes.values()) {
            if (e.record().path().equals(location)) {
                String field = images.registerField();
                throw new IllegalArgumentException("image " + location + " is already volume "
                        + e.record().name()
                        + ", so volume " + name + " needs an image of its own: pick another name, or register another"
                        + " image as " + name + " with 'mkvol " + name + " --" + field + " "
                        + (field.equals("file") ? "PATH" : "POOL/IMAGE") + "'");
            }
        }
        if (images.exists(location)) {
            throw new IllegalArgumentException("image " + location + " already exists but is not in the catalog;"
                    + " register it with 'mkvol " + name + " --" + images.registerField() + " " + location
                    + "' or move it away");
        }
        // Durability: the store makes the image's name durable before the catalog names it.
        VolumeImage image = images.create(location, size);
        return add(new VolumeRecord(name, location, size, true), image);
    }

    /**
     * Registers an existing raw image in place ({@code mkvol --file PATH}, {@code --image POOL/IMAGE}); its size is
     * the image's.
     */
    public synchronized Volume register(String name, String reference) throws IOException {
        VolumeNames.check(name);
        checkFree(name);
        checkNotReserved(name);
        String location = images.registrable(reference);
        for (Entry e : volumes.values()) {
            if (e.record().path().equals(location)) {
                throw new IllegalArgumentException(
                        "image " + location + " is already volume " + e.record().name());
            }
        }
        VolumeImage image = images.open(location);
        if (image.size() == 0 || image.size() % 512 != 0) {
            image.close();
            throw new IllegalArgumentException("image " + location + " is " + image.size() + " bytes (expected: a"
                    + " raw image whose size is a non-zero multiple of 512 bytes, as a block device's is)");
        }
        return add(new VolumeRecord(name, location, image.size(), false), image);
    }

    /** As {@link #register(String, String)} for a file. */
    public Volume register(String name, Path file) throws IOException {
        return register(name, file.toString());
    }

    private Volume add(VolumeRecord record, VolumeImage image) throws IOException {
        Volume volume = new Volume(record.name(), image, false);
        volumes.put(record.name(), new Entry(record, volume, 0));
        try {
            persist();
        } catch (IOException e) {
            volumes.remove(record.name());
            volume.close();
            if (record.owned()) {
                images.delete(record.path());
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
            // The catalog no longer names the image, so a crash here leaves only an orphan image.
            images.delete(entry.record().path());
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
        images.close();
    }
}
