package dev.flashcopy.engine.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a data directory's images live: sparse files on its disk (the embedded default), or RBD images in a Ceph
 * pool. Volumes ({@code mkvol}) and the engine's own images (revert areas) are created, opened and removed through
 * it, each by a <em>location</em>: the string the catalog keeps ({@code /data/volumes/a.img}, {@code rbd/a}).
 * Metadata does not go through here: it stays on the data directory's {@code Disk}.
 *
 * <p>Implementations are thread-safe.
 */
public interface ImageStore extends AutoCloseable {
    /** Says where images go, for messages: {@code files under /data/volumes}, {@code RBD pool rbd}. */
    String describe();

    /** The location a new volume called {@code volumeName} gets. */
    String volumeLocation(String volumeName);

    /**
     * The location of the engine's own image that the metadata names {@code metadataPath} (a revert area's
     * preserved grains): the file itself on a file store, an image named after it in the pool on RBD.
     */
    String internalLocation(Path metadataPath);

    /**
     * Why no volume may be called {@code volumeName} here, or empty: on RBD the names of the engine's own images
     * ({@code flashcopy.*}), which share the pool's namespace with the volumes'.
     */
    default Optional<String> reserved(String volumeName) {
        return Optional.empty();
    }

    /**
     * How a user names an existing image to register it: {@code file} ({@code mkvol --file PATH}) or {@code image}
     * ({@code mkvol --image POOL/IMAGE}); the admin API's field has the same name.
     */
    String registerField();

    /**
     * Checks what a user asked to register ({@code mkvol --file PATH} or {@code --image POOL/IMAGE}) and returns its
     * location; an IllegalArgumentException names the option and what to give instead.
     */
    String registrable(String reference) throws IOException;

    boolean exists(String location) throws IOException;

    /** Creates a sparse image of {@code size} bytes, durably (its name survives a crash); fails if it exists. */
    VolumeImage create(String location, long size) throws IOException;

    /** Opens an existing image for reading and writing. */
    VolumeImage open(String location) throws IOException;

    /** Removes the image if it exists, durably. */
    void delete(String location) throws IOException;

    /** Releases the store's own handles (a cluster connection); images opened from it are closed first. */
    @Override
    void close();
}
