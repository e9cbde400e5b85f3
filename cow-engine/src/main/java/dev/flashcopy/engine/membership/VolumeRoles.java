package dev.flashcopy.engine.membership;

import java.util.List;
import java.util.Optional;

/**
 * A volume's part in FlashCopy, for {@code lsvol}: the source it is a target of, and the targets it is
 * the source of (oldest first). Immutable.
 */
public record VolumeRoles(String volume, Optional<String> source, List<String> targets) {
    public boolean inRelationship() {
        return source.isPresent() || !targets.isEmpty();
    }
}
