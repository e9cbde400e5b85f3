package dev.flashcopy.tools.admin;

import java.util.List;

/**
 * One method and path template, e.g. {@code DELETE /v1/volumes/{name}}, and what answers it.
 * A {@code {name}} segment captures one path segment. Immutable.
 */
public record Route(String method, String template, Handler handler) {
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
