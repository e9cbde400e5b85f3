package dev.flashcopy.nbd.export;

/**
 * A metadata context a client selected, with the id this connection gave it. Immutable.
 *
 * @param id   the id sent in {@code NBD_REP_META_CONTEXT} and in every block status chunk
 * @param name the full name, namespace included ({@code base:allocation}, {@code qemu:dirty-bitmap:to-copy})
 */
public record MetaContext(int id, String name) {
    public MetaContext {
        if (name == null || name.indexOf(':') <= 0) {
            throw new IllegalArgumentException("name: " + name + " (expected: namespace:leaf)");
        }
    }

    /** The device's name for the map behind a {@code qemu:dirty-bitmap:NAME} context, or null for others. */
    public String dirtyMap() {
        return name.startsWith(MetaContexts.DIRTY_BITMAP) ? name.substring(MetaContexts.DIRTY_BITMAP.length()) : null;
    }
}
