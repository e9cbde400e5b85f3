package dev.flashcopy.engine.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code catalog.json}: the list of volumes, versioned, replaced atomically on every change. A file
 * that does not parse is corruption and stops the server with the path in the message, rather than
 * starting with volumes silently missing.
 */
final class CatalogFile {
    static final String FILE_NAME = "catalog.json";
    private static final int VERSION = 1;
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    record Content(int version, List<VolumeRecord> volumes) {}

    private CatalogFile() {}

    static List<VolumeRecord> load(Disk disk, Path dataDir) throws IOException {
        return load(disk, dataDir, true);
    }

    /** The volumes; with {@code upgrade} a file from before the checksum envelope is rewritten with it. */
    static List<VolumeRecord> load(Disk disk, Path dataDir, boolean upgrade) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (!disk.exists(file)) {
            return List.of();
        }
        try {
            Content content = JSON.readValue(AtomicFile.readChecked(disk, file, upgrade), Content.class);
            if (content.version() != VERSION || content.volumes() == null) {
                throw new IOException("unsupported catalog version " + content.version());
            }
            return content.volumes();
        } catch (DamagedMetadataException e) {
            throw DamagedMetadataException.refused(dataDir, e.file(), e.offset(), -1, e.getMessage());
        } catch (IOException e) {
            throw new IOException(
                    "catalog " + file + " is unreadable (" + e.getMessage()
                            + "); restore it from a backup or move it away to start empty",
                    e);
        }
    }

    static void save(Disk disk, Path dataDir, List<VolumeRecord> volumes) throws IOException {
        AtomicFile.replaceChecked(
                disk,
                dataDir.resolve(FILE_NAME),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new Content(VERSION, volumes)));
    }
}
