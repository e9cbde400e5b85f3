package dev.flashcopy.tools.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** The server's plumbing with a test resource: where routes run and what a route's bug looks like. */
class AdminServerTest {
    private final BearerToken token = BearerToken.generate();
    private final StringWriter log = new StringWriter();
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> get(AdminServer server, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .header("Authorization", "Bearer " + token.value())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private AdminServer start(Resource resource) throws Exception {
        return AdminServer.start(
                new InetSocketAddress("127.0.0.1", 0), token, List.of(resource), new PrintWriter(log, true));
    }

    @Test
    void routesRunOnTheOperationsExecutorNotTheEventLoop() throws Exception {
        Resource where = () -> List.of(Route.get(
                "/t/thread",
                r -> ApiResponse.ok(Map.of("thread", Thread.currentThread().getName()))));
        try (AdminServer server = start(where)) {
            String body = get(server, "/t/thread").body();
            assertTrue(body.contains("\"thread\":\"flashcopy-admin-op-"), body);
        }
    }

    @Test
    void serveSwitchesWhatAnswersOnTheSameAddressAndAFallbackTakesUnknownPaths() throws Exception {
        Resource before = () -> List.of(Route.get("/t/a", r -> ApiResponse.ok(Map.of("from", "before"))));
        try (AdminServer server = start(before)) {
            assertEquals(404, get(server, "/t/b").statusCode());
            Resource after = () -> List.of(Route.post("/t/a", r -> ApiResponse.ok(Map.of("from", "after"))));
            server.serve(List.of(after), r -> ApiResponse.ok(Map.of("fallback", r.method() + " " + r.path())));
            assertEquals("{\"fallback\":\"GET /t/b/c\"}", get(server, "/t/b/c").body());
            HttpResponse<String> wrongMethod = get(server, "/t/a");
            assertEquals(405, wrongMethod.statusCode(), "a path the routes have keeps its 405");
            assertEquals(
                    401,
                    http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/t/b"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode(),
                    "the fallback needs the token like any route");
        }
    }

    @Test
    void aBugInARouteIs500InJsonWithTheTraceOnlyInTheServerLog() throws Exception {
        Resource broken = () -> List.of(Route.get("/t/npe", r -> {
            throw new NullPointerException("oops");
        }));
        try (AdminServer server = start(broken)) {
            HttpResponse<String> r = get(server, "/t/npe");
            assertEquals(500, r.statusCode());
            assertEquals("{\"error\":\"internal error (NullPointerException: oops); see the server's log\"}", r.body());
            assertTrue(log.toString().contains("\tat "), "stack trace belongs in the server log");
        }
    }

    @Test
    void ioFailureIs500WithItsOneLineMessage() throws Exception {
        Resource full = () -> List.of(Route.get("/t/io", r -> {
            throw new IOException("No space left on device");
        }));
        try (AdminServer server = start(full)) {
            HttpResponse<String> r = get(server, "/t/io");
            assertEquals(500, r.statusCode());
            assertEquals("{\"error\":\"I/O error: No space left on device\"}", r.body());
        }
    }

    @Test
    void bindingAnAddressInUseFailsWithTheAddressInTheMessage() throws Exception {
        try (AdminServer first = start(() -> List.of())) {
            var e = Assertions.assertThrows(
                    IOException.class,
                    () -> AdminServer.start(first.address(), token, List.of(), new PrintWriter(log, true)));
            assertTrue(
                    e.getMessage().startsWith("cannot listen for the admin API on 127.0.0.1:" + first.port()),
                    e.getMessage());
        }
    }
}
