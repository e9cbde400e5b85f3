package dev.flashcopy.tools.admin;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapper of the admin API, shared by server and client so both speak the same
 * dialect. {@link ObjectMapper} is thread-safe once configured, which happens here, once.
 */
public final class ApiJson {
    /** Unknown fields in admin.json are tolerated, so a newer server can add some. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private ApiJson() {}
}
