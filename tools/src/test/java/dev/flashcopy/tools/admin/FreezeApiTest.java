package dev.flashcopy.tools.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Consistency-group freeze through the admin API: establish with freeze, listings, unfreeze, bad input. */
class FreezeApiTest {
    @TempDir
    Path dir;

    private AdminFixture api;

    @BeforeEach
    void start() throws Exception {
        api = new AdminFixture(dir.resolve("data"));
        for (String v : new String[] {"a", "b"}) {
            assertEquals(
                    201,
                    api.send("POST", "/v1/volumes", "{\"name\":\"" + v + "\",\"size\":\"1M\"}")
                            .statusCode());
        }
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return ApiJson.MAPPER.readTree(r.body());
    }

    @Test
    void frozenGroupIsListedAndUnfreezeReleasesIt() throws Exception {
        Instant before = Instant.now();
        HttpResponse<String> made = api.send(
                "POST",
                "/v1/relationships",
                "{\"pairs\":[\"a:ca\",\"b:cb\"],\"mode\":\"nocopy\",\"freeze\":true,\"freezeTimeoutMs\":600000}");
        assertEquals(201, made.statusCode(), made.body());
        JsonNode rel = json(made).get("relationships").get(0);
        assertTrue(rel.get("frozen").asBoolean(), rel.toString());
        Instant until = Instant.parse(rel.get("frozenUntil").asText());
        assertTrue(
                until.isAfter(before.plusSeconds(590))
                        && until.isBefore(Instant.now().plusSeconds(601)),
                "frozenUntil is T0 + 600 s: " + until);

        JsonNode volumes = json(api.send("GET", "/v1/volumes", null)).get("volumes");
        for (JsonNode v : volumes) {
            boolean source = v.get("name").asText().length() == 1;
            assertEquals(source, v.get("frozen").asBoolean(), v.toString());
            assertEquals(source, v.has("frozenUntil"), v.toString());
        }
        JsonNode frozen = json(api.send("GET", "/v1/freezes", null));
        assertEquals(2, frozen.get("frozen").size(), frozen.toString());
        assertEquals(0, frozen.get("heldRequests").asLong());

        HttpResponse<String> one = api.send("POST", "/v1/freezes/unfreeze", "{\"volumes\":[\"a\"]}");
        assertEquals(200, one.statusCode(), one.body());
        assertEquals("[\"a\"]", json(one).get("released").toString());
        assertFalse(json(api.send("GET", "/v1/relationships/a:ca", null))
                .get("relationships")
                .get(0)
                .get("frozen")
                .asBoolean());
        HttpResponse<String> all = api.send("POST", "/v1/freezes/unfreeze", "{}");
        assertEquals("[\"b\"]", json(all).get("released").toString());
        assertEquals(0, json(api.send("GET", "/v1/freezes", null)).get("frozen").size());
    }

    @Test
    void badFreezeRequestsAreRefusedWithoutFreezing() throws Exception {
        assertEquals(
                400,
                api.send("POST", "/v1/relationships", "{\"pairs\":[\"a:ca\"],\"freezeTimeoutMs\":1000}")
                        .statusCode(),
                "timeout without freeze");
        assertEquals(
                400,
                api.send("POST", "/v1/relationships", "{\"pairs\":[\"a:ca\"],\"freeze\":true,\"freezeTimeoutMs\":0}")
                        .statusCode());
        assertEquals(
                404,
                api.send("POST", "/v1/relationships", "{\"pairs\":[\"nope:ca\"],\"freeze\":true}")
                        .statusCode());
        assertEquals(0, json(api.send("GET", "/v1/freezes", null)).get("frozen").size());
        assertEquals(
                404,
                api.send("POST", "/v1/freezes/unfreeze", "{\"volumes\":[\"nope\"]}")
                        .statusCode());
        assertEquals(
                400,
                api.send("POST", "/v1/freezes/unfreeze", "{\"volumes\":\"a\"}").statusCode());
        assertEquals(
                400, api.send("POST", "/v1/freezes/unfreeze", "{\"bogus\":1}").statusCode());
    }
}
