package dev.flashcopy.engine.image.rbd;

import dev.flashcopy.engine.image.ImageStore;
import dev.flashcopy.engine.image.PointInTimeViews;
import dev.flashcopy.engine.image.VolumeImage;
import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RbdImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The images of a data directory as RBD images of one pool: {@code mkvol NAME --size} creates {@code POOL/NAME}, an
 * image of the pool is registered as it is, and the engine's own images are named {@code flashcopy.FILE} after the
 * metadata file that owns them. A location is {@code POOL/IMAGE}. A COPY target that completes is an ordinary image
 * that {@code rbd}, qemu and {@code rbd map} use as it is, since nothing but its bytes is ours.
 *
 * <p>Creation and removal are durable when librbd returns: the image's header and directory entry are RADOS
 * objects, written on every replica before the call completes.
 */
public final class RbdImageStore implements ImageStore {
    /** The prefix of the engine's own images, so that they stand apart from the users' in {@code rbd ls}. */
    static final String INTERNAL_PREFIX = "flashcopy.";

    private final Pool pool;
    private final String prefix;

    /** Images named as the volumes are; the pool stays the caller's to close. */
    public RbdImageStore(Pool pool) {
        this(pool, "");
    }

    /**
     * Images named {@code prefix + NAME}, so that several stores can share a pool without sharing names (tests run
     * side by side on one cluster this way); the pool stays the caller's to close.
     */
    public RbdImageStore(Pool pool, String prefix) {
        this.pool = pool;
        this.prefix = prefix;
    }

    public Pool pool() {
        return pool;
    }

    @Override
    public String describe() {
        return "RBD pool " + pool.name();
    }

    @Override
    public String volumeLocation(String volumeName) {
        return pool.name() + "/" + prefix + volumeName;
    }

    @Override
    public String internalLocation(Path metadataPath) {
        return pool.name() + "/" + prefix + INTERNAL_PREFIX + metadataPath.getFileName();
    }

    @Override
    public Optional<String> reserved(String volumeName) {
        if (!volumeName.startsWith(INTERNAL_PREFIX)) {
            return Optional.empty();
        }
        return Optional.of(
                "names beginning with '" + INTERNAL_PREFIX + "' are reserved on RBD: the server names its own"
                        + " images (revert areas) so in pool " + pool.name() + "; choose another name");
    }

    @Override
    public String registerField() {
        return "image";
    }

    @Override
    public String registrable(String reference) throws IOException {
        int slash = reference.indexOf('/');
        if (slash <= 0 || slash == reference.length() - 1 || reference.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException(
                    "--image: '" + reference + "' is not POOL/IMAGE (expected e.g. " + pool.name() + "/vm1)");
        }
        if (!reference.substring(0, slash).equals(pool.name())) {
            throw new IllegalArgumentException("--image: " + reference + " is not in pool " + pool.name()
                    + ", the pool this server stores volumes in (expected: " + pool.name() + "/IMAGE)");
        }
        String image = reference.substring(slash + 1);
        if (image.startsWith(prefix + INTERNAL_PREFIX)) {
            // Registered, the server's own revert area could be written by a host and then used by a revert.
            throw new IllegalArgumentException(
                    "--image: " + reference + " is one of this server's own images (names" + " beginning with '"
                            + INTERNAL_PREFIX + "' are reserved for them); register an image of your own");
        }
        if (!exists(reference)) {
            throw new IllegalArgumentException(
                    "--image: there is no RBD image " + reference + " (see 'rbd ls " + pool.name() + "')");
        }
        return reference;
    }

    @Override
    public boolean exists(String location) throws IOException {
        try {
            RbdImage.open(pool, imageName(location)).close();
            return true;
        } catch (CephException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public VolumeImage create(String location, long size) throws IOException {
        try {
            return RbdVolumeImage.create(pool, imageName(location), size);
        } catch (CephException e) {
            if (e.errno() == Errno.EEXIST) {
                throw new IllegalArgumentException(
                        "RBD image " + location + " already exists but is not in the"
                                + " catalog; register it with 'mkvol NAME --image " + location + "' or remove it",
                        e);
            }
            if (e.errno() == Errno.EINVAL) {
                // librbd's limit: the object map holds at most 256,000,000 objects (976 TiB with 4 MiB objects).
                throw new IllegalArgumentException(
                        "size " + size + " is more than an RBD image of pool " + pool.name() + " can be (librbd"
                                + " refused it: EINVAL; with 4 MiB objects and the object map an image holds at most"
                                + " 256,000,000 objects, 976 TiB)",
                        e);
            }
            throw e;
        }
    }

    @Override
    public VolumeImage open(String location) throws IOException {
        return RbdVolumeImage.open(pool, imageName(location));
    }

    @Override
    public void delete(String location) throws IOException {
        String name = imageName(location);
        try {
            RbdImage.remove(pool, name);
        } catch (CephException e) {
            if (e.errno() == Errno.ENOTEMPTY && removeEngineSnapshots(name)) {
                delete(location);
            } else if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
    }

    /**
     * Removes the engine's snapshots of image {@code name} (source views a crash left behind, see {@code
     * PointInTimeViews}); true when there were any. A user's own snapshots stay, and so does the refusal to remove.
     */
    private boolean removeEngineSnapshots(String name) throws CephException {
        try (RbdImage image = RbdImage.open(pool, name)) {
            boolean any = false;
            for (String snap : image.snapshots()) {
                if (snap.startsWith(PointInTimeViews.PREFIX)) {
                    image.removeSnapshot(snap);
                    any = true;
                }
            }
            return any;
        }
    }

    private String imageName(String location) {
        String prefix = pool.name() + "/";
        if (!location.startsWith(prefix)) {
            throw new IllegalArgumentException(
                    "image " + location + " is not in pool " + pool.name() + " (this server's store)");
        }
        return location.substring(prefix.length());
    }

    /** Removes every image this store's names could have made (a test's clean-up); registered ones too. */
    public void deleteAllWithPrefix() throws IOException {
        if (prefix.isEmpty()) {
            throw new IllegalStateException("no prefix: that would be every image of pool " + pool.name());
        }
        for (String image : RbdImage.list(pool)) {
            if (image.startsWith(prefix)) {
                delete(pool.name() + "/" + image);
            }
        }
    }

    @Override
    public void close() {
        // Nothing of its own: the pool is the caller's.
    }
}
