package dev.flashcopy.tools.admin.resource;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.flashcopy.tools.admin.ApiResponse;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.Route;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /v1/server}: what this server is and where it listens, so a client can show the NBD
 * address volumes are exported on. Thread-safe when the supplier is.
 */
public final class ServerResource implements Resource {
    /**
     * The server's identity on the wire; addresses as {@code HOST:PORT}, admin as a URL; {@code nbdTls} the engine
     * NBD's TLS runs on ({@code openssl (BoringSSL)} or {@code jdk}), null when NBD has no TLS. On a store several
     * servers share: {@code serverName}, {@code role} ({@code owner} or {@code standby}), and the server that owns
     * the store with its admin API's URL ({@code storeOwner}, {@code storeOwnerAdmin}; null while nobody does).
     */
    public record ServerJson(
            String version,
            long pid,
            String dataDir,
            String nbd,
            String nbdTls,
            String admin,
            String startedAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) String serverName,
            @JsonInclude(JsonInclude.Include.NON_NULL) String role,
            @JsonInclude(JsonInclude.Include.NON_NULL) String storeOwner,
            @JsonInclude(JsonInclude.Include.NON_NULL) String storeOwnerAdmin) {
        /** A server alone on its store (files). */
        public ServerJson(
                String version, long pid, String dataDir, String nbd, String nbdTls, String admin, String startedAt) {
            this(version, pid, dataDir, nbd, nbdTls, admin, startedAt, null, null, null, null);
        }
    }

    private final Supplier<ServerJson> info;

    /** {@code info} is asked per request because the admin address is known only once bound. */
    public ServerResource(Supplier<ServerJson> info) {
        this.info = info;
    }

    @Override
    public List<Route> routes() {
        return List.of(Route.get("/v1/server", request -> ApiResponse.ok(info.get())));
    }
}
