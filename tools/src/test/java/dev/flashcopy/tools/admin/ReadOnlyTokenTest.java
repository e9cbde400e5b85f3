package dev.flashcopy.tools.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.flash.FlashEngine;
import dev.flashcopy.tools.admin.resource.VolumesResource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitoring token: reads everything, changes nothing; the full token still does both. */
class ReadOnlyTokenTest {
    private final BearerToken full = BearerToken.generate();
    private final BearerToken read = BearerToken.generate();
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    private HttpResponse<String> send(AdminServer server, String method, String path, String body, BearerToken token)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token.value());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readTokenGetsButEveryChangeIsForbiddenInJson() throws Exception {
        try (VolumeStore store = VolumeStore.open(dir);
                FlashEngine flash = FlashEngine.open(store);
                AdminServer server = AdminServer.start(
                        new InetSocketAddress("127.0.0.1", 0),
                        new AdminTokens(full, read),
                        List.of(new VolumesResource(store, flash.relationships()::roles)),
                        new PrintWriter(new StringWriter(), true),
                        null)) {
            assertEquals(200, send(server, "GET", "/v1/volumes", null, read).statusCode());
            HttpResponse<String> post = send(server, "POST", "/v1/volumes", "{\"name\":\"v\",\"size\":\"1M\"}", read);
            assertEquals(403, post.statusCode());
            assertTrue(post.body().startsWith("{\"error\":\"the read-only token"), post.body());
            assertEquals(
                    403, send(server, "DELETE", "/v1/volumes/v", null, read).statusCode());
            assertTrue(store.records().isEmpty(), "a refused call must change nothing");
            assertEquals(401, send(server, "GET", "/v1/volumes", null, null).statusCode());
            assertEquals(
                    401,
                    send(server, "GET", "/v1/volumes", null, BearerToken.generate())
                            .statusCode());
            HttpResponse<String> created =
                    send(server, "POST", "/v1/volumes", "{\"name\":\"v\",\"size\":\"1M\"}", full);
            assertNotEquals(403, created.statusCode());
            assertEquals(1, store.records().size(), created.body());
        }
    }

    @Test
    void grantsAreDecidedPerToken() {
        AdminTokens tokens = new AdminTokens(full, read);
        assertEquals(AdminTokens.Grant.FULL, tokens.grant("Bearer " + full.value()));
        assertEquals(AdminTokens.Grant.READ, tokens.grant("bearer " + read.value()));
        assertEquals(AdminTokens.Grant.NONE, tokens.grant("Bearer " + read.value() + "x"));
        assertEquals(AdminTokens.Grant.NONE, tokens.grant(null));
        assertEquals(AdminTokens.Grant.NONE, AdminTokens.fullOnly(full).grant("Bearer " + read.value()));
    }
}
