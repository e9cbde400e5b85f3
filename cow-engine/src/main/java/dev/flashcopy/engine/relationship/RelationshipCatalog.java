package dev.flashcopy.engine.relationship;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code DATA/flash/relationships.json}: every relationship and the next id, replaced atomically as a
 * whole, so an establish of many pairs becomes durable at one instant. A file that does not parse stops
 * the engine with the path in the message instead of starting with relationships missing.
 *
 * <p>Stateless and thread-safe; callers serialise saves.
 */
public final class RelationshipCatalog {
    public static final String FILE_NAME = "relationships.json";
    private static final int VERSION = 1;
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The file's content. */
    public record Content(int version, long nextId, List<RelationshipRecord> relationships) {
        public static Content empty() {
            return new Content(VERSION, 1, List.of());
        }
    }

    private RelationshipCatalog() {}

    public static Content load(Disk disk, Path flashDir) throws IOException {
        return load(disk, flashDir, true);
    }

    /** The catalog; with {@code upgrade} a file from before the checksum envelope is rewritten with it. */
    public static Content load(Disk disk, Path flashDir, boolean upgrade) throws IOException {
        Path file = flashDir.resolve(FILE_NAME);
        if (!disk.exists(file)) {
            return Content.empty();
        }
        try {
            Content c = JSON.readValue(AtomicFile.readChecked(disk, file, upgrade), Content.class);
            if (c.version() != VERSION || c.relationships() == null || c.nextId() < 1) {
                throw new IOException("unsupported version " + c.version() + " (expected: " + VERSION + ")");
            }
            return c;
        } catch (DamagedMetadataException e) {
            throw DamagedMetadataException.refused(
                    flashDir.toAbsolutePath().getParent(), e.file(), e.offset(), -1, e.getMessage());
        } catch (IOException e) {
            throw new IOException(
                    "relationship catalog " + file + " is unreadable (" + e.getMessage()
                            + "); restore it from a backup: without it targets lose their point in time",
                    e);
        }
    }

    public static void save(Disk disk, Path flashDir, long nextId, List<RelationshipRecord> relationships)
            throws IOException {
        AtomicFile.replaceChecked(
                disk,
                flashDir.resolve(FILE_NAME),
                JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsBytes(new Content(VERSION, nextId, List.copyOf(relationships))));
    }
}
