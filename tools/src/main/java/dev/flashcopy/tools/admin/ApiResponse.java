package dev.flashcopy.tools.admin;

import java.util.Map;

/**
 * What a route answers: a status, a body Jackson can serialise (or {@code null} for none) and
 * extra headers such as {@code Location}. Immutable.
 */
public record ApiResponse(int status, Object body, Map<String, String> headers) {
    public ApiResponse {
        headers = Map.copyOf(headers);
    }

    public static ApiResponse ok(Object body) {
        return new ApiResponse(200, body, Map.of());
    }

    public static ApiResponse created(Object body, String location) {
        return new ApiResponse(201, body, Map.of("Location", location));
    }

    public static ApiResponse error(int status, String message) {
        return new ApiResponse(status, new ErrorBody(message), Map.of());
    }

    /** A body sent as it is, not as JSON: Prometheus text, the dashboard's files. */
    public static ApiResponse raw(String contentType, byte[] bytes, Map<String, String> headers) {
        return new ApiResponse(200, new Raw(contentType, bytes), headers);
    }

    /** Bytes with their media type; the array is never written to after construction. */
    public record Raw(String contentType, byte[] bytes) {}

    /** Every error has this one shape: {@code {"error": "..."}}. */
    public record ErrorBody(String error) {}
}
