package dev.flashcopy.nbd.export;

import java.util.ArrayList;
import java.util.List;

/**
 * The metadata contexts this server offers and how queries match them. Today that is only
 * {@code base:allocation}; the later relationship bitmaps ({@code qemu:dirty-bitmap:...}) join
 * here. Queries in namespaces we do not serve match nothing, as the spec demands. Stateless.
 */
public final class MetaContexts {
    public static final String BASE_ALLOCATION = "base:allocation";
    /** The id {@code base:allocation} gets when selected; ids are per connection and opaque to clients. */
    public static final int BASE_ALLOCATION_ID = 1;
    /** The spec reserves id 0 for {@code NBD_OPT_LIST_META_CONTEXT} replies. */
    public static final int LIST_ID = 0;

    private static final List<String> ALL = List.of(BASE_ALLOCATION);

    private MetaContexts() {
    }

    /**
     * Names matching a {@code LIST} request: all of them for no queries, a namespace wildcard
     * ({@code base:}) lists the namespace, otherwise exact names.
     */
    public static List<String> list(List<String> queries) {
        if (queries.isEmpty()) {
            return ALL;
        }
        List<String> found = new ArrayList<>();
        for (String name : ALL) {
            for (String query : queries) {
                if (query.equals(name) || (query.endsWith(":") && name.startsWith(query))) {
                    found.add(name);
                    break;
                }
            }
        }
        return found;
    }

    /**
     * Contexts a {@code SET} request selects: exact names only (the spec says a bare namespace
     * selects nothing), each once.
     */
    public static List<MetaContext> select(List<String> queries) {
        List<MetaContext> selected = new ArrayList<>(1);
        if (queries.contains(BASE_ALLOCATION)) {
            selected.add(new MetaContext(BASE_ALLOCATION_ID, BASE_ALLOCATION));
        }
        return List.copyOf(selected);
    }
}
