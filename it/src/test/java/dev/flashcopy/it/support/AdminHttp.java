package dev.flashcopy.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Talks to a running server's admin API over HTTP with Java's own client, as a scraper or browser
 * would: address and token from {@code DATA/admin.json}. Thread-safe.
 */
public final class AdminHttp {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    private final String token;

    private AdminHttp(String url, String token) {
        this.url = url;
        this.token = token;
    }

    public static AdminHttp of(Path dataDir) {
        try {
            JsonNode admin = JSON.readTree(dataDir.resolve("admin.json").toFile());
            return new AdminHttp(admin.get("url").asText(), admin.get("token").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The admin API's base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String url() {
        return url;
    }

    public String token() {
        return token;
    }

    /** GET with the token. */
    public HttpResponse<String> get(String path) {
        return send(path, "Bearer " + token);
    }

    /** GET with whatever {@code Authorization} header value is given (null: none). */
    public HttpResponse<String> send(String path, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            return client.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The scraped {@code /metrics} page. */
    public Metrics scrape() {
        HttpResponse<String> r = get("/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return Metrics.parse(r.body());
    }
}
