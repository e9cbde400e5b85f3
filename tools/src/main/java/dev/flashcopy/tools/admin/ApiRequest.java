package dev.flashcopy.tools.admin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * One authenticated request as a route sees it: the path parameters the route template captured
 * and the raw body, copied off the Netty buffer so it can travel to the operations executor.
 * Immutable by convention: nobody writes to {@code body} after construction, so it is safe to hand
 * from the event loop to the operations executor.
 */
public record ApiRequest(String method, String path, Map<String, String> params, byte[] body) {
    public ApiRequest {
        params = Map.copyOf(params);
    }

    /** A captured path parameter, e.g. {@code name} for {@code /v1/volumes/{name}}. */
    public String param(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalStateException("route has no parameter '" + name + "'");
        }
        return v;
    }

    /** The body as a JSON object, or a 400 saying why it is not one. */
    public RequestBody jsonObject() {
        if (body.length == 0) {
            throw ApiException.badRequest("request body is empty (expected: a JSON object)");
        }
        JsonNode node;
        try {
            node = ApiJson.MAPPER.readTree(body);
        } catch (IOException e) {
            // The original message is one line; the full one quotes the input back, which we do not want.
            String why = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
            throw ApiException.badRequest("request body is not valid JSON: " + why);
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("request body is "
                    + (node == null ? "empty" : node.getNodeType().toString().toLowerCase(Locale.ROOT))
                    + " (expected: a JSON object)");
        }
        return new RequestBody(node);
    }
}
