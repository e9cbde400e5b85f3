package dev.flashcopy.nbd.export;

import java.util.ArrayList;
import java.util.List;

/**
 * The metadata contexts an export offers and how queries match them: {@code base:allocation} always, and
 * one {@code qemu:dirty-bitmap:NAME} per dirty map the device keeps, named and flagged as qemu-nbd does
 * (status bit 0 = dirty), so {@code nbdinfo --map} and {@code qemu-img map} with {@code x-dirty-bitmap}
 * read them. A {@code LIST} query ending in a colon ({@code base:}, {@code qemu:},
 * {@code qemu:dirty-bitmap:}) lists everything under it; a {@code SET} selects exact names only, as the
 * spec asks of empty leaf names. Queries in namespaces we do not serve match nothing. Stateless.
 */
public final class MetaContexts {
    public static final String BASE_ALLOCATION = "base:allocation";
    /** Prefix of the contexts that carry a device's dirty maps. */
    public static final String DIRTY_BITMAP = "qemu:dirty-bitmap:";
    /** The id {@code base:allocation} gets when selected; ids are per connection and opaque to clients. */
    public static final int BASE_ALLOCATION_ID = 1;
    /** The spec reserves id 0 for {@code NBD_OPT_LIST_META_CONTEXT} replies. */
    public static final int LIST_ID = 0;

    private MetaContexts() {}

    /** Every context of an export whose device keeps {@code dirtyMaps}. */
    public static List<String> offered(List<String> dirtyMaps) {
        List<String> all = new ArrayList<>(1 + dirtyMaps.size());
        all.add(BASE_ALLOCATION);
        for (String map : dirtyMaps) {
            all.add(DIRTY_BITMAP + map);
        }
        return all;
    }

    /**
     * Names matching a {@code LIST} request: all of them for no queries, a query ending in a colon lists
     * the names it begins, otherwise exact names.
     */
    public static List<String> list(List<String> queries, List<String> dirtyMaps) {
        List<String> all = offered(dirtyMaps);
        if (queries.isEmpty()) {
            return all;
        }
        List<String> found = new ArrayList<>();
        for (String name : all) {
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
     * Contexts a {@code SET} request selects: exact names only (the spec says a bare namespace selects
     * nothing), each once, in query order. {@code base:allocation} keeps id 1; dirty maps number on from 2.
     */
    public static List<MetaContext> select(List<String> queries, List<String> dirtyMaps) {
        List<String> all = offered(dirtyMaps);
        List<MetaContext> selected = new ArrayList<>(2);
        List<String> seen = new ArrayList<>(2);
        int nextId = BASE_ALLOCATION_ID + 1;
        for (String query : queries) {
            if (!all.contains(query) || seen.contains(query)) {
                continue;
            }
            seen.add(query);
            int id = query.equals(BASE_ALLOCATION) ? BASE_ALLOCATION_ID : nextId++;
            selected.add(new MetaContext(id, query));
        }
        return List.copyOf(selected);
    }
}
