package dev.flashcopy.tools.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds the route for a method and path, telling "no such path" (404) from "path exists, method
 * does not" (405, with the methods that do). Linear search: the API has tens of routes, not
 * thousands. Immutable after construction, hence thread-safe.
 */
public final class Router {
    /** The outcome of a lookup: exactly one of route (with its captured params) or an error status. */
    public record Match(Route route, Map<String, String> params, int status, String allow) {}

    private final List<Route> routes;
    /** What answers a path no route has (any method), or null: then 404. */
    private final Route fallback;

    public Router(List<? extends Resource> resources) {
        this(resources, null);
    }

    /**
     * Also answers, with {@code fallback}, every request whose path none of the routes has: a standby passes
     * those on to the store's owner. The fallback's handler sees the request's own method and path.
     */
    public Router(List<? extends Resource> resources, Route.Handler fallback) {
        this.fallback = fallback == null ? null : new Route("*", "/", fallback);
        List<Route> all = new ArrayList<>();
        for (Resource r : resources) {
            all.addAll(r.routes());
        }
        this.routes = List.copyOf(all);
    }

    public Match match(String method, String path) {
        List<String> segments = split(path);
        TreeSet<String> allowed = new TreeSet<>();
        for (Route route : routes) {
            Map<String, String> params = capture(route.segments(), segments);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Match(route, params, 200, null);
            }
            allowed.add(route.method());
        }
        if (allowed.isEmpty() && fallback != null) {
            return new Match(fallback, Map.of(), 200, null);
        }
        return allowed.isEmpty()
                ? new Match(null, Map.of(), 404, null)
                : new Match(null, Map.of(), 405, String.join(", ", allowed));
    }

    private static Map<String, String> capture(List<String> template, List<String> path) {
        if (template.size() != path.size()) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            if (t.startsWith("{") && t.endsWith("}")) {
                params.put(t.substring(1, t.length() - 1), path.get(i));
            } else if (!t.equals(path.get(i))) {
                return null;
            }
        }
        return params;
    }

    /** "/v1/volumes/a/" → [v1, volumes, a]; empty segments (double or trailing slashes) are dropped. */
    static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
