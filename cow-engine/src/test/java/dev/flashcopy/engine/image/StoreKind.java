package dev.flashcopy.engine.image;

import dev.flashcopy.engine.image.rbd.RbdImageStore;
import dev.flashcopy.engine.image.rbd.RbdVolumeImage;
import dev.flashcopy.engine.storage.rados.MetadataStore;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.FileImageStore;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.RbdImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The stores a {@link VolumeImage} test runs over: sparse files in a temporary directory, RBD images in the test
 * cluster's pool. Each test's {@link Images} creates, reopens and finally removes its images. Engine tests of other
 * packages run over it too, so what they check holds on both stores.
 */
public enum StoreKind {
    FILE,
    RBD;

    /**
     * Where an engine test keeps its data directory: metadata on {@code disk}, images in {@code images}; on RBD the
     * metadata is a {@link MetadataStore} of RADOS objects (null on files).
     */
    public record EngineStore(Disk disk, ImageStore images, MetadataStore metadata) {
        /** Removes what the test left in the cluster (nothing to do for files: the temporary directory goes). */
        public void cleanUp() throws IOException {
            if (images instanceof RbdImageStore rbd) {
                rbd.deleteAllWithPrefix();
            }
            if (metadata != null) {
                metadata.close();
            }
        }
    }

    /**
     * The stores an engine test over {@code dataDir} uses: on files, everything on {@code disk} under it; on RBD, the
     * metadata as RADOS objects and the images as RBD images of the test pool, all named with a prefix no other test
     * uses ({@link EngineStore#cleanUp} removes them), as {@code serve --store rbd:POOL} keeps them.
     */
    public EngineStore engineStore(Disk disk, Path dataDir) throws IOException {
        return switch (this) {
            case FILE -> new EngineStore(disk, new FileImageStore(disk, dataDir), null);
            case RBD -> {
                MetadataStore metadata = MetadataStore.open(MetadataStore.RADOS, dataDir);
                yield new EngineStore(
                        metadata.disk(), new RbdImageStore(CephTestCluster.pool(), metadata.prefix() + "-"), metadata);
            }
        };
    }

    /** The images of one test; closing it closes and removes every image it made. */
    public Images images() throws IOException {
        return new Images(this);
    }

    public static final class Images implements AutoCloseable {
        private final StoreKind store;
        private final Path dir;
        private final List<String> names = new ArrayList<>();
        private final List<VolumeImage> open = new ArrayList<>();

        private Images(StoreKind store) throws IOException {
            this.store = store;
            this.dir = store == FILE ? Files.createTempDirectory("volume-image-test") : null;
        }

        public VolumeImage create(long size) throws IOException {
            String name = CephTestCluster.unique("image-test") + ".img";
            VolumeImage image = switch (store) {
                case FILE -> ImageFile.create(dir.resolve(name), size);
                case RBD -> RbdVolumeImage.create(CephTestCluster.pool(), name, size);
            };
            names.add(name);
            open.add(image);
            return image;
        }

        /** Closes {@code image} and opens it again, as a restarted server would. */
        public VolumeImage reopen(VolumeImage image) throws IOException {
            String name = names.get(open.indexOf(image));
            image.close();
            VolumeImage again = switch (store) {
                case FILE -> ImageFile.open(dir.resolve(name), true);
                case RBD -> RbdVolumeImage.open(CephTestCluster.pool(), name);
            };
            open.set(open.indexOf(image), again);
            return again;
        }

        @Override
        public void close() throws IOException {
            open.forEach(VolumeImage::close);
            for (String name : names) {
                switch (store) {
                    case FILE -> Files.deleteIfExists(dir.resolve(name));
                    case RBD -> removeRbd(name);
                }
            }
            if (dir != null) {
                Files.deleteIfExists(dir);
            }
        }

        private static void removeRbd(String name) {
            try {
                RbdImage.remove(CephTestCluster.pool(), name);
            } catch (CephException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
