package dev.flashcopy.tools.admin.resource;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.flashcopy.engine.catalog.VolumeRecord;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.membership.VolumeRoles;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A volume on the wire: {@code name}, {@code size} and {@code allocated} in bytes, {@code path} of
 * its image, {@code owned} (deleted by rmvol) and, for a volume whose image could not be opened,
 * {@code problem} (then {@code allocated} is null), and its FlashCopy roles: {@code targetOf} (its
 * source, when it is a target) and {@code sourceOf} (its targets, oldest first); {@code frozen} while a
 * consistency-group freeze holds its writes, until {@code frozenUntil} at the latest; {@code owner}, on a store
 * several servers share, the server that serves it. Immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumeJson(
        String name,
        long size,
        Long allocated,
        String path,
        boolean owned,
        String problem,
        String targetOf,
        List<String> sourceOf,
        boolean frozen,
        String frozenUntil,
        String owner) {

    /** Describes a catalogued volume; measuring allocation walks the file's extents, so off the event loop. */
    static VolumeJson of(
            VolumeStore store,
            VolumeRecord r,
            Function<String, VolumeRoles> roles,
            Function<String, Optional<Instant>> frozenUntil,
            String owner)
            throws IOException {
        VolumeRoles role = roles.apply(r.name());
        Optional<Instant> until = frozenUntil.apply(r.name());
        boolean frozen = until.isPresent();
        String untilText = until.map(Instant::toString).orElse(null);
        String targetOf = role.source().orElse(null);
        Optional<Volume> v = store.find(r.name());
        if (v.isEmpty()) {
            return new VolumeJson(
                    r.name(),
                    r.size(),
                    null,
                    r.path(),
                    r.owned(),
                    "image could not be opened when the server started; see its log",
                    targetOf,
                    role.targets(),
                    frozen,
                    untilText,
                    owner);
        }
        return new VolumeJson(
                r.name(),
                r.size(),
                v.get().image().allocatedBytes(),
                r.path(),
                r.owned(),
                null,
                targetOf,
                role.targets(),
                frozen,
                untilText,
                owner);
    }
}
