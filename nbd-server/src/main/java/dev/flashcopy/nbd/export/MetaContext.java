package dev.flashcopy.nbd.export;

/**
 * A metadata context a client selected, with the id this connection gave it. Immutable.
 *
 * @param id   the id sent in {@code NBD_REP_META_CONTEXT} and in every block status chunk
 * @param name the full name, namespace included ({@code base:allocation})
 */
public record MetaContext(int id, String name) {
    public MetaContext {
        if (name == null || name.indexOf(':') <= 0) {
            throw new IllegalArgumentException("name: " + name + " (expected: namespace:leaf)");
        }
    }
}
