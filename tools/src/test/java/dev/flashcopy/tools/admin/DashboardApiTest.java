package dev.flashcopy.tools.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.nbd.protocol.NbdCommand;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's files are served without the token (they hold no data) and with strict headers;
 * everything with data, {@code /metrics} and the grain map included, still needs it.
 */
class DashboardApiTest {
    @TempDir
    Path dir;

    private AdminFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new AdminFixture(dir);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void pageAndItsFilesNeedNoTokenAndForbidInlineScripts() throws Exception {
        HttpResponse<String> page = fx.send("GET", "/", null, null);
        assertEquals(200, page.statusCode());
        assertEquals(
                "text/html; charset=utf-8",
                page.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(page.body().contains("/ui/dashboard.js"));
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
        assertEquals(
                "nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
        HttpResponse<String> js = fx.send("GET", "/ui/dashboard.js", null, null);
        assertEquals(200, js.statusCode());
        assertEquals(
                "text/javascript; charset=utf-8",
                js.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(404, fx.send("GET", "/ui/admin.json", null, null).statusCode(), "only the listed files");
    }

    @Test
    void dataStillNeedsTheToken() throws Exception {
        assertEquals(401, fx.send("GET", "/metrics", null, null).statusCode());
        assertEquals(401, fx.send("GET", "/v1/volumes", null, null).statusCode());
        assertEquals(
                401,
                fx.send("GET", "/v1/relationships/a:b/grainmap", null, null).statusCode());
        assertEquals(401, fx.send("POST", "/", "{}", null).statusCode(), "only GET is open, and only on the files");
    }

    @Test
    void metricsPageCarriesTheRecordedRequests() throws Exception {
        fx.nbdMetrics.export("vol").request(NbdCommand.READ, 8192, 40_000, null);
        HttpResponse<String> r = fx.send("GET", "/metrics", null);
        assertEquals(200, r.statusCode());
        assertEquals(
                "text/plain; version=0.0.4; charset=utf-8",
                r.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(r.body().contains("flashcopy_nbd_requests_total{export=\"vol\",command=\"read\"} 1\n"), r.body());
        assertTrue(r.body().contains("flashcopy_nbd_read_bytes_total{export=\"vol\"} 8192\n"), r.body());
        assertTrue(
                r.body().contains("flashcopy_nbd_request_duration_seconds_bucket{export=\"vol\",le=\"0.05\"} 1\n"),
                r.body());
    }

    @Test
    void grainMapOfARelationshipAndA404ForNone() throws Exception {
        assertEquals(
                201,
                fx.send("POST", "/v1/volumes", "{\"name\":\"s\",\"size\":\"1M\"}")
                        .statusCode());
        assertEquals(
                201,
                fx.send("POST", "/v1/relationships", "{\"pairs\":[\"s:t\"],\"mode\":\"nocopy\",\"grainSize\":\"64K\"}")
                        .statusCode());
        HttpResponse<String> r = fx.send("GET", "/v1/relationships/s:t/grainmap", null);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode map = ApiJson.MAPPER.readTree(r.body());
        assertEquals(16, map.get("buckets").asInt(), "1 MiB of 64 KiB grains: one bucket per grain");
        assertEquals(16, map.get("toCopy").size());
        assertEquals(1, map.get("toCopy").get(0).asInt());
        assertEquals(
                404, fx.send("GET", "/v1/relationships/s:nope/grainmap", null).statusCode());
    }
}
