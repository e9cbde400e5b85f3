package dev.flashcopy.tools.admin;

import java.util.List;

/**
 * One method and path template, e.g. {@code DELETE /v1/volumes/{name}}, and what answers it.
 * A {@code {name}} segment captures one path segment. An {@code open} route is answered without the
 * bearer token: only the dashboard's static files, which hold no data and no secret. Immutable.
 */
public record Route(String method, String template, Handler handler, boolean open) {
    /** Answers a request; runs on the operations executor, so it may block on disk I/O. */
    @FunctionalInterface
    public interface Handler {
        ApiResponse handle(ApiRequest request) throws Exception;
    }

    public Route {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("template: " + template + " (expected: starts with /)");
        }
    }

    /** A route that needs the token, as every API route does. */
    public Route(String method, String template, Handler handler) {
        this(method, template, handler, false);
    }

    /** A GET answered without the token; for static files that carry no data. */
    public static Route openGet(String template, Handler h) {
        return new Route("GET", template, h, true);
    }

    public static Route get(String template, Handler h) {
        return new Route("GET", template, h);
    }

    public static Route post(String template, Handler h) {
        return new Route("POST", template, h);
    }

    public static Route delete(String template, Handler h) {
        return new Route("DELETE", template, h);
    }

    List<String> segments() {
        return Router.split(template);
    }
}
