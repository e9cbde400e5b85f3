package dev.flashcopy.tools.serve;

import java.nio.file.Path;

/** What {@code serve} was asked for: the data directory, the two listen addresses, and the demo volume. Immutable. */
public record ServeSettings(Path dataDir, HostPort nbd, HostPort admin, boolean demo) {
}
