package dev.flashcopy.tools.admin.resource;

import dev.flashcopy.tools.admin.ApiResponse;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The web dashboard's static files, {@code GET /} and {@code GET /ui/{file}}, read once from the jar
 * ({@code dashboard/} on the class path) and served from memory. These routes are open: the files hold
 * no data and no secret; the page asks the API for everything with the bearer token, which it takes
 * from the URL fragment ({@code #token=...}, never sent to the server) or asks for. Headers forbid
 * inline scripts, other origins, framing and sniffing. Immutable after {@link #load()}, hence thread-safe.
 */
public final class DashboardResource implements Resource {
    /** Every file the page uses; nothing else on the class path can be asked for. */
    private static final List<String> FILES =
            List.of("index.html", "dashboard.css", "dashboard.js", "pictures.js", "icon.svg");

    private static final Map<String, String> HEADERS = Map.of(
            "Cache-Control", "no-cache",
            "Content-Security-Policy",
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
                            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer");

    private final Map<String, ApiResponse> files;

    private DashboardResource(Map<String, ApiResponse> files) {
        this.files = Map.copyOf(files);
    }

    /** Reads the files from the class path; a missing one is a packaging bug, reported at start. */
    public static DashboardResource load() {
        Map<String, ApiResponse> files = new HashMap<>();
        for (String name : FILES) {
            try (InputStream in = DashboardResource.class.getResourceAsStream("/dashboard/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("dashboard file " + name + " is missing from the jar");
                }
                files.put(name, ApiResponse.raw(type(name), in.readAllBytes(), HEADERS));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read dashboard file " + name, e);
            }
        }
        return new DashboardResource(files);
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.openGet("/", r -> files.get("index.html")),
                Route.openGet("/ui/{file}", r -> file(r.param("file"))));
    }

    private ApiResponse file(String name) {
        ApiResponse f = files.get(name);
        if (f == null) {
            throw new NoSuchElementException("no dashboard file " + name);
        }
        return f;
    }

    private static String type(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        return "text/javascript; charset=utf-8";
    }
}
