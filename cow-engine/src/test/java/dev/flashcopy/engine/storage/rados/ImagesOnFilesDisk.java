package dev.flashcopy.engine.storage.rados;

import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A data directory whose volume images stay files ({@link Disk#posix()} under {@code imageDir}) while everything
 * else, the metadata, goes to {@code metadata} (a {@link RadosDisk} in the tests): what a server over RADOS
 * metadata does until images move to the volume image store. A rename never crosses the two.
 *
 * <p>Thread-safe, as both disks are.
 */
public final class ImagesOnFilesDisk implements Disk {
    private final Disk metadata;
    private final Path imageDir;

    public ImagesOnFilesDisk(Disk metadata, Path imageDir) {
        this.metadata = metadata;
        this.imageDir = imageDir.toAbsolutePath().normalize();
    }

    private Disk of(Path path) {
        return path.toAbsolutePath().normalize().startsWith(imageDir) ? Disk.posix() : metadata;
    }

    @Override
    public DiskFile open(Path path, OpenMode mode) throws IOException {
        return of(path).open(path, mode);
    }

    @Override
    public boolean exists(Path path) {
        return of(path).exists(path);
    }

    @Override
    public boolean isRegularFile(Path path) {
        return of(path).isRegularFile(path);
    }

    @Override
    public byte[] readAll(Path path) throws IOException {
        return of(path).readAll(path);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        if (of(from) != of(to)) {
            throw new IOException("rename " + from + " to " + to + " crosses the image files and the metadata store");
        }
        of(from).rename(from, to);
    }

    @Override
    public void deleteIfExists(Path path) throws IOException {
        of(path).deleteIfExists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        of(dir).createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return of(dir).list(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        of(dir).syncDirectory(dir);
    }
}
