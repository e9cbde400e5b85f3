package dev.flashcopy.tools.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.catalog.VolumeRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminApiTest {
    @TempDir
    Path dir;

    private AdminFixture api;

    @BeforeEach
    void start() throws IOException {
        api = new AdminFixture(dir.resolve("data"));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.toString());
        return ApiJson.MAPPER.readTree(r.body());
    }

    private static String error(HttpResponse<String> r) throws IOException {
        return json(r).path("error").asText();
    }

    @Test
    void requestWithoutTokenIsRefusedWith401() throws Exception {
        HttpResponse<String> r = api.send("GET", "/v1/volumes", null, null);
        assertEquals(401, r.statusCode());
        assertTrue(error(r).startsWith("missing or wrong token"), r.body());
        assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElseThrow());
    }

    @Test
    void requestWithWrongTokenIsRefusedWith401AndCreatesNothing() throws Exception {
        String wrong = "Bearer " + api.token.value().substring(1) + "0";
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":\"1M\"}", wrong);
        assertEquals(401, r.statusCode());
        assertTrue(api.store.records().isEmpty());
    }

    @Test
    void tokenIsAcceptedWithAnyCaseOfTheBearerScheme() throws Exception {
        assertEquals(
                200,
                api.send("GET", "/v1/volumes", null, "bearer " + api.token.value())
                        .statusCode());
    }

    @Test
    void garbageJsonIs400WithTheParserReason() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\": ");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).startsWith("request body is not valid JSON"), r.body());
    }

    @Test
    void bodyThatIsNotAnObjectIs400() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "[1,2]");
        assertEquals(400, r.statusCode());
        assertEquals("request body is array (expected: a JSON object)", error(r));
    }

    @Test
    void sizeOfWrongTypeIs400NamingTheField() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":true}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).startsWith("field 'size' is a boolean"), r.body());
    }

    @Test
    void malformedSizeStringIs400WithTheExpectedForm() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":\"10X\"}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).contains("suffix K, M, G, T"), r.body());
    }

    @Test
    void sizeNotMultipleOf512Is400() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":1000}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).contains("multiple of 512"), r.body());
    }

    @Test
    void invalidNameIs400WithTheRule() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\":\"a/b\",\"size\":\"1M\"}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).contains("1 to 64 characters from A-Z a-z 0-9 . _ -"), r.body());
    }

    @Test
    void misspeltFieldIs400RatherThanIgnored() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":\"1M\",\"sise\":1}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).startsWith("unknown field(s) [sise]"), r.body());
    }

    @Test
    void sizeAndFileTogetherOrNeitherIs400() throws Exception {
        assertEquals(
                400,
                api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":\"1M\",\"file\":\"/x\"}")
                        .statusCode());
        HttpResponse<String> neither = api.send("POST", "/v1/volumes", "{\"name\":\"a\"}");
        assertEquals(400, neither.statusCode());
        assertTrue(error(neither).startsWith("give exactly one of 'size'"), neither.body());
    }

    @Test
    void relativeFileIs400BecauseTheServerCwdMeansNothingToTheClient() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"file\":\"disk.img\"}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).contains("relative path"), r.body());
    }

    @Test
    void unknownVolumeIs404ForShowAndRemove() throws Exception {
        HttpResponse<String> show = api.send("GET", "/v1/volumes/nope", null);
        assertEquals(404, show.statusCode());
        assertEquals("no volume named 'nope' (see 'flashcopy lsvol')", error(show));
        assertEquals(404, api.send("DELETE", "/v1/volumes/nope", null).statusCode());
    }

    @Test
    void duplicateNameIs409AndKeepsTheFirstVolume() throws Exception {
        assertEquals(
                201,
                api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":\"1M\"}")
                        .statusCode());
        HttpResponse<String> again = api.send("POST", "/v1/volumes", "{\"name\":\"a\",\"size\":\"2M\"}");
        assertEquals(409, again.statusCode());
        assertEquals("volume a already exists", error(again));
        assertEquals(
                List.of(1L << 20),
                api.store.records().stream().map(VolumeRecord::size).toList());
    }

    @Test
    void createListShowRemoveRoundTrip() throws Exception {
        HttpResponse<String> created = api.send("POST", "/v1/volumes", "{\"name\":\"vol-1\",\"size\":\"64M\"}");
        assertEquals(201, created.statusCode());
        assertEquals(
                "/v1/volumes/vol-1", created.headers().firstValue("Location").orElseThrow());
        JsonNode v = json(created);
        assertEquals("vol-1", v.path("name").asText());
        assertEquals(64L << 20, v.path("size").asLong());
        assertEquals(0, v.path("allocated").asLong());
        assertTrue(v.path("owned").asBoolean());
        Path image = Path.of(v.path("path").asText());
        assertTrue(Files.isRegularFile(image));

        JsonNode listed = json(api.send("GET", "/v1/volumes", null)).path("volumes");
        assertEquals(1, listed.size());
        assertEquals(v, listed.get(0));
        assertEquals(v, json(api.send("GET", "/v1/volumes/vol-1", null)));

        HttpResponse<String> removed = api.send("DELETE", "/v1/volumes/vol-1", null);
        assertEquals(200, removed.statusCode());
        assertEquals(v, json(removed));
        assertEquals(
                0, json(api.send("GET", "/v1/volumes", null)).path("volumes").size());
        assertFalse(Files.exists(image), "an owned image is deleted with its volume");
    }

    @Test
    void sizeAsNumberOfBytesIsAccepted() throws Exception {
        HttpResponse<String> r = api.send("POST", "/v1/volumes", "{\"name\":\"n\",\"size\":1048576}");
        assertEquals(201, r.statusCode());
        assertEquals(1048576, json(r).path("size").asLong());
    }

    @Test
    void registeredFileIsReportedNotOwnedAndSurvivesRemoval() throws Exception {
        Path img = Files.createDirectories(api.dataDir.resolve("volumes")).resolve("disk.img");
        try (var ch = FileChannel.open(img, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[4096]), (1 << 20) - 4096);
        }
        HttpResponse<String> r = api.send(
                "POST",
                "/v1/volumes",
                "{\"name\":\"reg\",\"file\":" + ApiJson.MAPPER.writeValueAsString(img.toString()) + "}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode v = json(r);
        assertFalse(v.path("owned").asBoolean());
        assertEquals(1 << 20, v.path("size").asLong());
        assertEquals(4096, v.path("allocated").asLong(), "allocation counts only the written block");
        assertEquals(200, api.send("DELETE", "/v1/volumes/reg", null).statusCode());
        assertTrue(Files.exists(img));
    }

    @Test
    void refusedRequestsLeaveTheCatalogUnchanged() throws Exception {
        assertEquals(
                201,
                api.send("POST", "/v1/volumes", "{\"name\":\"keep\",\"size\":\"1M\"}")
                        .statusCode());
        Path catalog = api.dataDir.resolve("catalog.json");
        byte[] before = Files.readAllBytes(catalog);
        List<VolumeRecord> records = api.store.records();
        List<String> imagesBefore = listImages();

        String[][] refused = {
            {"POST", "/v1/volumes", "{\"name\":\"keep\",\"size\":\"2M\"}"},
            {"POST", "/v1/volumes", "{\"name\":\"new\",\"size\":\"lots\"}"},
            {"POST", "/v1/volumes", "{\"name\":\"new\",\"size\":\"1M\",\"file\":\"/etc/hostname\"}"},
            {"POST", "/v1/volumes", "{\"name\":\"new\",\"file\":\"/no/such/file.img\"}"},
            {"POST", "/v1/volumes", "{\"name\":\"..\",\"size\":\"1M\"}"},
            {"POST", "/v1/volumes", "not json"},
            {"DELETE", "/v1/volumes/absent", null},
            {"PUT", "/v1/volumes/keep", "{}"},
        };
        for (String[] req : refused) {
            int status = api.send(req[0], req[1], req[2]).statusCode();
            assertTrue(status >= 400 && status < 500, req[0] + " " + req[2] + " -> " + status);
        }
        assertArrayEquals(before, Files.readAllBytes(catalog));
        assertEquals(records, api.store.records());
        assertEquals(imagesBefore, listImages());
    }

    @Test
    void registeringIsRefusedOutsideTheImageDirectoriesAndForUnalignedFiles() throws Exception {
        HttpResponse<String> passwd = api.send("POST", "/v1/volumes", "{\"name\":\"x\",\"file\":\"/etc/passwd\"}");
        assertEquals(400, passwd.statusCode(), passwd.body());
        assertTrue(
                passwd.body().contains("not under an image directory")
                        && passwd.body().contains("--image-dir"),
                passwd.body());
        Path outside = Files.write(dir.resolve("outside.img"), new byte[4096]);
        Path link = Files.createDirectories(api.dataDir.resolve("volumes")).resolve("link.img");
        Files.createSymbolicLink(link, outside);
        HttpResponse<String> viaLink = api.send(
                "POST",
                "/v1/volumes",
                "{\"name\":\"l\",\"file\":" + ApiJson.MAPPER.writeValueAsString(link.toString()) + "}");
        assertEquals(400, viaLink.statusCode(), "a link out of DATA/volumes is judged by where it leads");
        Path odd = Files.write(api.dataDir.resolve("volumes").resolve("odd.img"), new byte[1000]);
        HttpResponse<String> unaligned = api.send(
                "POST",
                "/v1/volumes",
                "{\"name\":\"o\",\"file\":" + ApiJson.MAPPER.writeValueAsString(odd.toString()) + "}");
        assertEquals(400, unaligned.statusCode(), unaligned.body());
        assertTrue(unaligned.body().contains("multiple of 512"), unaligned.body());
        assertTrue(api.store.records().isEmpty());
    }

    private List<String> listImages() throws IOException {
        try (var s = Files.list(api.dataDir.resolve("volumes"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void unknownRouteIs404() throws Exception {
        HttpResponse<String> r = api.send("GET", "/v1/nothing-here", null);
        assertEquals(404, r.statusCode());
        assertEquals("no such resource: /v1/nothing-here", error(r));
    }

    @Test
    void wrongMethodIs405ListingTheAllowedOnes() throws Exception {
        HttpResponse<String> r = api.send("PUT", "/v1/volumes", "{}");
        assertEquals(405, r.statusCode());
        assertEquals("GET, POST", r.headers().firstValue("Allow").orElseThrow());
        assertTrue(error(r).startsWith("PUT is not allowed on /v1/volumes"), r.body());
    }

    @Test
    void serverResourceDescribesTheServer() throws Exception {
        JsonNode s = json(api.send("GET", "/v1/server", null));
        assertEquals("test", s.path("version").asText());
        assertEquals(api.url(), s.path("admin").asText());
    }

    @Test
    void oversizedBodyIsRefusedWith413InJsonBeforeItIsRead() throws Exception {
        String head = "POST /v1/volumes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + api.token.value()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + (AdminServer.MAX_BODY_BYTES + 1)
                + "\r\n\r\n";
        String answer = exchange(head);
        assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
        assertTrue(answer.contains("{\"error\":\"request body exceeds 1048576 bytes"), answer);
        assertTrue(api.store.records().isEmpty());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        String auth = "Authorization: Bearer " + api.token.value() + "\r\n";
        String create = "{\"name\":\"p\",\"size\":\"1M\"}";
        String both = "POST /v1/volumes HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: " + create.length()
                + "\r\n\r\n" + create
                + "GET /v1/volumes/p HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n";
        String answer = exchange(both);
        int first = answer.indexOf("HTTP/1.1 201 ");
        int second = answer.indexOf("HTTP/1.1 200 ");
        assertTrue(first == 0 && second > first, answer);
    }

    /** Writes raw bytes, reads until the server closes; for what java.net.http will not send. */
    private String exchange(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", api.server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
