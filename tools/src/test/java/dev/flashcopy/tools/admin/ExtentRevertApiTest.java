package dev.flashcopy.tools.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API of extent relationships (establish with {@code extents}) and of revertible relationships. */
class ExtentRevertApiTest {
    @TempDir
    Path dir;

    private AdminFixture api;

    @BeforeEach
    void start() throws Exception {
        api = new AdminFixture(dir.resolve("data"));
        assertEquals(
                201,
                api.send("POST", "/v1/volumes", "{\"name\":\"src\",\"size\":\"4M\"}")
                        .statusCode());
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return ApiJson.MAPPER.readTree(r.body());
    }

    private void refused(int status, String body, String why) throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/relationships", body);
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(json(r).get("error").asText().contains(why), r.body());
    }

    @Test
    void establishWithExtentsListsTheRangesAndRefusesBadOnesByValue() throws Exception {
        refused(400, "{\"pairs\":[\"src:t\"],\"extents\":[\"1M:0\"]}", "extent '1M:0' is not valid");
        refused(400, "{\"pairs\":[\"src:t\"],\"extents\":[\"1M:0:1000\"]}", "1000 is not a multiple of the grain");
        refused(400, "{\"pairs\":[\"src:t\",\"src:u\"],\"extents\":[\"0:0:64K\"]}", "exactly one pair");
        refused(400, "{\"pairs\":[\"src:t\"],\"extents\":[]}", "extents");
        HttpResponse<String> made = api.send(
                "POST",
                "/v1/relationships",
                "{\"pairs\":[\"src:src\"],\"mode\":\"nocopy\",\"extents\":[\"0:2M:1M\",\"1M:3M:64K\"]}");
        assertEquals(201, made.statusCode(), made.body());
        JsonNode rel = json(made).get("relationships").get(0);
        assertEquals(17, rel.get("totalGrains").asLong(), rel.toString());
        JsonNode extents = rel.get("extents");
        assertEquals(2, extents.size(), rel.toString());
        assertEquals(2 * 1024 * 1024, extents.get(0).get("targetOffset").asLong());
        assertEquals(65536, extents.get(1).get("length").asLong());
        refused(409, "{\"pairs\":[\"src:t\"]}", "extent relationship");
        JsonNode listed = json(api.send("GET", "/v1/relationships/src", null))
                .get("relationships")
                .get(0);
        assertEquals(extents, listed.get("extents"));
    }

    @Test
    void revertibleRoutesSetCommitAndRevert() throws Exception {
        assertEquals(
                201,
                api.send("POST", "/v1/relationships", "{\"pairs\":[\"src:plain\"],\"mode\":\"nocopy\"}")
                        .statusCode());
        HttpResponse<String> no = api.send("POST", "/v1/relationships/src:plain/revertible", "{}");
        assertEquals(409, no.statusCode(), no.body());
        assertTrue(json(no).get("error").asText().contains("--record"), no.body());
        assertFalse(
                json(api.send("GET", "/v1/relationships/src:plain", null))
                        .get("relationships")
                        .get(0)
                        .has("extents"),
                "a whole-volume relationship has no extents field");

        assertEquals(
                201,
                api.send("POST", "/v1/relationships", "{\"pairs\":[\"src:t\"],\"record\":true}")
                        .statusCode());
        HttpResponse<String> notYet = api.send("POST", "/v1/relationships/src:t/revert", "{}");
        assertEquals(409, notYet.statusCode(), notYet.body());
        HttpResponse<String> set = api.send("POST", "/v1/relationships/src:t/revertible", "{}");
        assertEquals(200, set.statusCode(), set.body());
        assertTrue(json(set).get("revertible").asBoolean(), set.body());
        HttpResponse<String> committed = api.send("POST", "/v1/relationships/src:t/commit", "{}");
        assertEquals(200, committed.statusCode(), committed.body());
        assertFalse(json(committed).get("revertible").asBoolean(), "DS CLI: a commit ends revertibility");
        assertEquals(
                409, api.send("POST", "/v1/relationships/src:t/revert", "{}").statusCode());
        assertEquals(
                200,
                api.send("POST", "/v1/relationships/src:t/revertible", "{}").statusCode());
        HttpResponse<String> reverted = api.send("POST", "/v1/relationships/src:t/revert", "{}");
        assertEquals(200, reverted.statusCode(), reverted.body());
        assertFalse(json(reverted).get("revertible").asBoolean(), "DS CLI: a revert ends revertibility");
        HttpResponse<String> extra = api.send("POST", "/v1/relationships/src:t/commit", "{\"now\":true}");
        assertEquals(400, extra.statusCode(), extra.body());
        HttpResponse<String> missing = api.send("POST", "/v1/relationships/src:none/commit", "{}");
        assertEquals(404, missing.statusCode(), missing.body());
    }
}
