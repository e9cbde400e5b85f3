package dev.flashcopy.tools.admin.resource;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.flashcopy.engine.catalog.VolumeRecord;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.util.Optional;

/**
 * A volume on the wire: {@code name}, {@code size} and {@code allocated} in bytes, {@code path} of
 * its image, {@code owned} (deleted by rmvol) and, for a volume whose image could not be opened,
 * {@code problem} (then {@code allocated} is null). FlashCopy {@code roles} will join as one more
 * component. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumeJson(String name, long size, Long allocated, String path, boolean owned, String problem) {

    /** Describes a catalogued volume; measuring allocation walks the file's extents, so off the event loop. */
    static VolumeJson of(VolumeStore store, VolumeRecord r) throws IOException {
        Optional<Volume> v = store.find(r.name());
        if (v.isEmpty()) {
            return new VolumeJson(r.name(), r.size(), null, r.path(), r.owned(),
                    "image could not be opened when the server started; see its log");
        }
        return new VolumeJson(r.name(), r.size(), v.get().image().allocatedBytes(), r.path(), r.owned(), null);
    }
}
