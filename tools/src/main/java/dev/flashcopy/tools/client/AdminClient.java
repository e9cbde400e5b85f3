package dev.flashcopy.tools.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.flashcopy.tools.admin.AdminFile;
import dev.flashcopy.tools.admin.ApiJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.net.ssl.HttpsURLConnection;

/**
 * The admin API of the server that owns one data directory. Each call is one request; failures
 * are {@link AdminCallException}s with messages meant for the user. Thread-safe: it holds only
 * immutable state, and {@link HttpURLConnection} pools connections itself.
 */
public final class AdminClient {
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 300_000;

    private final Path dataDir;
    private final AdminFile server;

    private AdminClient(Path dataDir, AdminFile server) {
        this.dataDir = dataDir;
        this.server = server;
    }

    /** Finds the server through {@code DATA/admin.json}; UNREACHABLE when there is none. */
    public static AdminClient forDataDir(Path dataDir) {
        try {
            return new AdminClient(dataDir, AdminFile.read(dataDir));
        } catch (NoSuchFileException e) {
            throw new AdminCallException(
                    AdminCallException.Kind.UNREACHABLE,
                    0,
                    "no flashcopy server is running for " + dataDir + " (start one with: bin/flashcopy serve --data "
                            + dataDir + ")");
        } catch (IOException e) {
            throw new AdminCallException(
                    AdminCallException.Kind.UNREACHABLE,
                    0,
                    "cannot read " + AdminFile.path(dataDir) + ": " + e.getMessage());
        }
    }

    /** The server this client talks to, token included, as {@code admin.json} published it. */
    public AdminFile adminFile() {
        return server;
    }

    public JsonNode get(String path) {
        return call("GET", path, null);
    }

    public JsonNode post(String path, Object body) {
        try {
            return call("POST", path, ApiJson.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("request body not serialisable: " + e.getOriginalMessage(), e);
        }
    }

    public JsonNode delete(String path) {
        return call("DELETE", path, null);
    }

    private JsonNode call(String method, String path, byte[] body) {
        try {
            HttpURLConnection c =
                    (HttpURLConnection) URI.create(server.url() + path).toURL().openConnection();
            if (c instanceof HttpsURLConnection https && server.certificateSha256() != null) {
                PinnedCertificate.apply(https, server.certificateSha256(), "admin.json");
            }
            c.setRequestMethod(method);
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            c.setRequestProperty("Authorization", "Bearer " + server.token());
            c.setRequestProperty("Accept", "application/json");
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            byte[] answer = readAll(status >= 400 ? c.getErrorStream() : c.getInputStream());
            return interpret(method, path, status, answer);
        } catch (ConnectException | SocketTimeoutException e) {
            throw unreachable(e);
        } catch (IOException e) {
            throw new AdminCallException(
                    AdminCallException.Kind.UNREACHABLE,
                    0,
                    "lost the connection to the flashcopy" + " server at " + server.url() + ": " + e.getMessage());
        }
    }

    private JsonNode interpret(String method, String path, int status, byte[] answer) {
        JsonNode json;
        try {
            json = answer.length == 0 ? NullNode.getInstance() : ApiJson.MAPPER.readTree(answer);
        } catch (IOException e) {
            throw new AdminCallException(
                    AdminCallException.Kind.FAILED,
                    status,
                    "the server at " + server.url() + " answered " + method + " " + path + " with HTTP " + status
                            + " and no JSON; is it a flashcopy server?");
        }
        if (status >= 200 && status < 300) {
            return json;
        }
        String reason = json.path("error").asText("HTTP " + status);
        throw new AdminCallException(
                status < 500 ? AdminCallException.Kind.REFUSED : AdminCallException.Kind.FAILED, status, reason);
    }

    private AdminCallException unreachable(IOException e) {
        boolean alive =
                ProcessHandle.of(server.pid()).map(ProcessHandle::isAlive).orElse(false);
        String hint = alive
                ? "pid " + server.pid() + " is alive but not answering; is it starting or stopping?"
                : "pid " + server.pid() + " is not running, so " + AdminFile.path(dataDir) + " is stale;"
                        + " start the server again with: bin/flashcopy serve --data " + dataDir;
        return new AdminCallException(
                AdminCallException.Kind.UNREACHABLE,
                0,
                "cannot reach the flashcopy server at " + server.url() + " (" + e.getMessage() + "): " + hint);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            return in.readAllBytes();
        }
    }
}
