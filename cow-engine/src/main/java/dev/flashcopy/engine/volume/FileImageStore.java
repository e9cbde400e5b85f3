package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.image.ImageStore;
import dev.flashcopy.engine.image.VolumeImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The embedded store: every image a sparse raw file on the data directory's {@link Disk}, new volumes under
 * {@code DATA/volumes/NAME.img}, the engine's own images at the path the metadata names. A location is the
 * file's absolute path.
 */
public final class FileImageStore implements ImageStore {
    private final Disk disk;
    private final Path imageDir;

    /** Images of {@code dataDir} on {@code disk}; creates {@code DATA/volumes} when missing. */
    public FileImageStore(Disk disk, Path dataDir) throws IOException {
        this.disk = disk;
        this.imageDir = dataDir.toAbsolutePath().resolve("volumes");
        disk.createDirectories(imageDir);
    }

    @Override
    public String describe() {
        return "files under " + imageDir;
    }

    @Override
    public String volumeLocation(String volumeName) {
        return imageDir.resolve(volumeName + ".img").toString();
    }

    @Override
    public String internalLocation(Path metadataPath) {
        return metadataPath.toAbsolutePath().toString();
    }

    @Override
    public String registerField() {
        return "file";
    }

    @Override
    public String registrable(String reference) throws IOException {
        Path path = Path.of(reference).toAbsolutePath().normalize();
        if (!disk.isRegularFile(path)) {
            throw new IllegalArgumentException(
                    "file " + path + " is not a regular file (expected: an existing raw image)");
        }
        return path.toString();
    }

    @Override
    public boolean exists(String location) {
        return disk.exists(Path.of(location));
    }

    @Override
    public VolumeImage create(String location, long size) throws IOException {
        Path path = Path.of(location);
        ImageFile image = ImageFile.create(disk, path, size);
        try {
            // Durability: the image file's directory entry exists before anything (a catalog) names it.
            disk.syncDirectory(path.getParent());
        } catch (IOException e) {
            image.close();
            throw e;
        }
        return image;
    }

    @Override
    public VolumeImage open(String location) throws IOException {
        return ImageFile.open(disk, Path.of(location), true);
    }

    @Override
    public void delete(String location) throws IOException {
        Path path = Path.of(location);
        disk.deleteIfExists(path);
        disk.syncDirectory(path.getParent());
    }

    @Override
    public void close() {
        // Nothing of its own: the disk belongs to the data directory.
    }
}
