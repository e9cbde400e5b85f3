package dev.flashcopy.tools.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelationshipApiTest {
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

    @Test
    void establishListsAndWithdrawsANocopyRelationship() throws Exception {
        HttpResponse<String> made = api.send(
                "POST",
                "/v1/relationships",
                "{\"pairs\":[\"src:tgt\"],\"mode\":\"nocopy\",\"seqnum\":7,\"grainSize\":\"16K\"}");
        assertEquals(201, made.statusCode(), made.body());
        JsonNode rel = json(made).get("relationships").get(0);
        assertEquals("src", rel.get("source").asText());
        assertEquals("tgt", rel.get("target").asText());
        assertEquals("nocopy", rel.get("mode").asText());
        assertEquals(7, rel.get("seqnum").asLong());
        assertEquals(16384, rel.get("grainSize").asInt());
        assertEquals(256, rel.get("totalGrains").asLong());
        assertEquals(256, rel.get("outOfSyncGrains").asLong());
        for (String field :
                new String[] {"state", "persistent", "tgtinhibit", "copiedPercent", "establishedAt", "copyRateMiBps"}) {
            assertTrue(rel.has(field), field + " in " + rel);
        }

        JsonNode volumes = json(api.send("GET", "/v1/volumes", null)).get("volumes");
        assertEquals("tgt", volumes.get(0).get("sourceOf").get(0).asText());
        assertEquals("src", volumes.get(1).get("targetOf").asText());
        assertEquals(
                1,
                json(api.send("GET", "/v1/relationships/src:tgt", null))
                        .get("relationships")
                        .size());
        assertEquals(
                1,
                json(api.send("GET", "/v1/relationships/tgt", null))
                        .get("relationships")
                        .size());

        HttpResponse<String> refused = api.send("POST", "/v1/relationships/src:tgt/withdraw", "{}");
        assertEquals(409, refused.statusCode(), refused.body());
        assertTrue(json(refused).get("error").asText().contains("--force"), refused.body());
        HttpResponse<String> wrongSeq =
                api.send("POST", "/v1/relationships/src:tgt/withdraw", "{\"force\":true,\"seqnum\":8}");
        assertEquals(400, wrongSeq.statusCode(), wrongSeq.body());
        HttpResponse<String> gone = api.send("POST", "/v1/relationships/src:tgt/withdraw", "{\"force\":true}");
        assertEquals(200, gone.statusCode(), gone.body());
        assertTrue(json(gone).get("withdrawn").asBoolean());
        assertEquals(
                0,
                json(api.send("GET", "/v1/relationships", null))
                        .get("relationships")
                        .size());
    }

    @Test
    void badEstablishRequestsAreRefusedAndChangeNothing() throws Exception {
        String catalog = Files.readString(dir.resolve("data/catalog.json"));
        String[][] cases = {
            {"{\"pairs\":[\"src\"]}", "SOURCE:TARGET"},
            {"{\"pairs\":[]}", "pairs"},
            {"{\"pairs\":[\"src:src\"]}", "own target"},
            {"{\"pairs\":[\"nope:tgt\"]}", "nope"},
            {"{\"pairs\":[\"src:tgt\"],\"mode\":\"sometimes\"}", "copy or nocopy"},
            {"{\"pairs\":[\"src:tgt\"],\"grainSize\":3000}", "power of two"},
            {"{\"pairs\":[\"src:tgt\"],\"rateMiBps\":-1}", "rateMiBps"},
            {"{\"pairs\":[\"src:tgt\"],\"persist\":true}", "unknown field"},
            {"{\"pairs\":[\"src:tgt\"],\"onFull\":\"panic\"}", "fail or inhibit-source"},
            {"not json", "JSON"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = api.send("POST", "/v1/relationships", c[0]);
            assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, c[0] + " -> " + r.statusCode() + " " + r.body());
            assertTrue(
                    json(r).get("error").asText().toLowerCase().contains(c[1].toLowerCase()), c[0] + " -> " + r.body());
        }
        assertEquals(catalog, Files.readString(dir.resolve("data/catalog.json")), "no target volume was created");
        assertEquals(
                0,
                json(api.send("GET", "/v1/relationships", null))
                        .get("relationships")
                        .size());
        assertFalse(Files.exists(dir.resolve("data/volumes/tgt.img")));
    }

    @Test
    void outOfSpacePolicyIsChosenAtEstablishAndListed() throws Exception {
        HttpResponse<String> held = api.send(
                "POST",
                "/v1/relationships",
                "{\"pairs\":[\"src:held\"],\"mode\":\"nocopy\",\"onFull\":\"inhibit-source\"}");
        assertEquals(201, held.statusCode(), held.body());
        assertEquals(
                "inhibit-source",
                json(held).get("relationships").get(0).get("onFull").asText());
        HttpResponse<String> plain = api.send("POST", "/v1/relationships", "{\"pairs\":[\"src:plain\"]}");
        JsonNode rel = json(plain).get("relationships").get(0);
        assertEquals("fail", rel.get("onFull").asText());
        assertTrue(rel.has("failedReason") && rel.get("failedReason").isNull(), rel.toString());
    }

    @Test
    void withdrawOfAnUnknownPairIs404() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/relationships/src:nope/withdraw", "{}");
        assertEquals(404, r.statusCode(), r.body());
    }

    @Test
    void recordingPairsResyncAndReverseThroughTheApi() throws Exception {
        HttpResponse<String> plain =
                api.send("POST", "/v1/relationships", "{\"pairs\":[\"src:plain\"],\"mode\":\"nocopy\"}");
        assertEquals(201, plain.statusCode(), plain.body());
        HttpResponse<String> made =
                api.send("POST", "/v1/relationships", "{\"pairs\":[\"src:tgt\"],\"mode\":\"nocopy\",\"record\":true}");
        assertEquals(201, made.statusCode(), made.body());
        JsonNode rel = json(made).get("relationships").get(0);
        assertTrue(rel.get("recording").asBoolean() && rel.get("persistent").asBoolean(), rel.toString());
        assertFalse(rel.get("revertible").asBoolean());
        for (String field : new String[] {"changedSourceGrains", "changedTargetGrains", "dateSynced"}) {
            assertTrue(rel.has(field), field + " in " + rel);
        }

        HttpResponse<String> notRecording = api.send("POST", "/v1/relationships/src:plain/resync", "{}");
        assertEquals(409, notRecording.statusCode(), notRecording.body());
        assertTrue(json(notRecording).get("error").asText().contains("record"), notRecording.body());
        assertEquals(
                404, api.send("POST", "/v1/relationships/src:nope/resync", "{}").statusCode());
        assertEquals(
                400,
                api.send("POST", "/v1/relationships/src:tgt/resync", "{\"freezeTimeoutMs\":5}")
                        .statusCode());
        assertEquals(
                400,
                api.send("POST", "/v1/relationships/src:tgt/resync", "{\"bogus\":1}")
                        .statusCode());

        HttpResponse<String> resynced = api.send(
                "POST",
                "/v1/relationships/resync",
                "{\"pairs\":[\"src:tgt\"],\"record\":true,\"persistent\":true,\"seqnum\":9}");
        assertEquals(200, resynced.statusCode(), resynced.body());
        assertEquals(9, json(resynced).get("relationships").get(0).get("seqnum").asLong());

        assertEquals(
                200,
                api.send("POST", "/v1/relationships/src:plain/withdraw", "{\"force\":true}")
                        .statusCode());
        HttpResponse<String> slow = api.send("POST", "/v1/relationships/src:tgt/reverse", "{\"record\":true}");
        assertEquals(409, slow.statusCode(), slow.body());
        assertTrue(json(slow).get("error").asText().contains("--fast"), slow.body());
        HttpResponse<String> reversed =
                api.send("POST", "/v1/relationships/src:tgt/reverse", "{\"record\":true,\"fast\":true}");
        assertEquals(200, reversed.statusCode(), reversed.body());
        assertEquals("tgt", json(reversed).get("source").asText());
        assertEquals(
                1,
                json(api.send("GET", "/v1/relationships/tgt:src", null))
                        .get("relationships")
                        .size());
    }
}
