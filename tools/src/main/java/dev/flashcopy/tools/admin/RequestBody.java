package dev.flashcopy.tools.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Typed access to a JSON object body, where every wrong shape becomes a 400 naming the field and
 * what was expected. Unknown fields are refused too: a misspelt {@code "sise"} must not be ignored
 * into a different request. Not thread-safe; used by one request at a time.
 */
public final class RequestBody {
    private final JsonNode object;

    RequestBody(JsonNode object) {
        this.object = object;
    }

    /** Refuses fields outside {@code allowed}, listing them. */
    public RequestBody allowOnly(Set<String> allowed) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                unknown.add(f);
            }
        }
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest("unknown field(s) " + unknown + " (expected only: "
                    + allowed.stream().sorted().toList() + ")");
        }
        return this;
    }

    public boolean has(String field) {
        JsonNode n = object.get(field);
        return n != null && !n.isNull();
    }

    /** A field that must be a JSON string. */
    public String requiredString(String field) {
        return optionalString(field)
                .orElseThrow(() -> ApiException.badRequest("field '" + field + "' is missing (expected: a string)"));
    }

    public Optional<String> optionalString(String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw wrongType(field, n, "a string");
        }
        return Optional.of(n.textValue());
    }

    /** A field that may be a JSON boolean; {@code fallback} when absent. */
    public boolean optionalBoolean(String field, boolean fallback) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw wrongType(field, n, "true or false");
        }
        return n.booleanValue();
    }

    /** A field that may be a whole JSON number; empty when absent. */
    public OptionalLong optionalLong(String field) {
        JsonNode n = object.get(field);
        if (n == null || n.isNull()) {
            return OptionalLong.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw wrongType(field, n, "a whole number");
        }
        return OptionalLong.of(n.longValue());
    }

    /** The raw node, for fields that accept more than one type; empty when absent or null. */
    public Optional<JsonNode> node(String field) {
        JsonNode n = object.get(field);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n);
    }

    public static ApiException wrongType(String field, JsonNode n, String expected) {
        return ApiException.badRequest("field '" + field + "' is a "
                + n.getNodeType().toString().toLowerCase(Locale.ROOT) + " (expected: " + expected + ")");
    }
}
