package dev.flashcopy.tools.serve;

import dev.flashcopy.tools.admin.AdminTokens;
import dev.flashcopy.tools.admin.ApiRequest;
import dev.flashcopy.tools.admin.ApiResponse;
import dev.flashcopy.tools.admin.Route;
import dev.flashcopy.tools.client.PinnedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.HttpsURLConnection;

/**
 * A standby's admin API for what the owner knows (volumes, relationships, freezes, metrics): every server of the pool
 * lists every volume. Reads (GET, HEAD) are passed on to the owner's admin API with the owner's read-only token, which
 * it publishes in the pool ({@link OwnerAdmin}), and answered with the owner's answer as it is ({@code owner} fields
 * included).
 *
 * <p>Changes (mkvol, mkflash, rmflash, move...) are refused with 421 and one line naming the owner and its admin
 * address, not passed on. Passing them on would need a credential the owner accepts for changes: its full token,
 * which would then sit in the pool, where anyone who may read the pool could change anything through the API; a
 * standby's own read-only token must not turn into one that changes the owner either. Refusing keeps each server's
 * full token its own, and the user runs the command once more, against the owner (whose address the line gives).
 * Thread-safe: stateless but for the supplier, which looks the owner up per request.
 */
final class StandbyAdminApi implements Route.Handler {
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 60_000;

    private final String pool;
    private final Supplier<Optional<OwnerAdmin>> owner;

    StandbyAdminApi(String pool, Supplier<Optional<OwnerAdmin>> owner) {
        this.pool = pool;
        this.owner = owner;
    }

    @Override
    public ApiResponse handle(ApiRequest request) {
        Optional<OwnerAdmin> to = owner.get();
        if (to.isEmpty()) {
            return ApiResponse.error(
                    409,
                    "this server is a standby and no server owns the store of pool " + pool + " at the moment (it"
                            + " is changing hands); try again in a few seconds");
        }
        OwnerAdmin o = to.get();
        if (!AdminTokens.isReadOnly(request.method())) {
            return ApiResponse.error(
                    421,
                    "this server is a standby: the store of pool " + pool + " is owned by " + o.server()
                            + "; run the command there (its admin API: " + o.url() + ", token in its --data"
                            + " directory's admin.json)");
        }
        try {
            return forward(o, request);
        } catch (IOException e) {
            return ApiResponse.error(
                    409,
                    "this server is a standby, and the store's owner " + o.server() + " does not answer at " + o.url()
                            + " (" + e.getMessage() + "); try again in a few seconds");
        }
    }

    private static ApiResponse forward(OwnerAdmin o, ApiRequest request) throws IOException {
        HttpURLConnection c =
                (HttpURLConnection) URI.create(o.url() + request.path()).toURL().openConnection();
        if (c instanceof HttpsURLConnection https && o.certificateSha256() != null) {
            PinnedCertificate.apply(https, o.certificateSha256(), "the owner's record in the pool");
        }
        c.setRequestMethod(request.method());
        c.setConnectTimeout(CONNECT_TIMEOUT_MS);
        c.setReadTimeout(READ_TIMEOUT_MS);
        c.setRequestProperty("Authorization", "Bearer " + o.readToken());
        int status = c.getResponseCode();
        byte[] body;
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            body = in == null ? new byte[0] : in.readAllBytes();
        }
        String type = c.getContentType();
        return new ApiResponse(
                status, new ApiResponse.Raw(type == null ? "application/json; charset=utf-8" : type, body), Map.of());
    }
}
