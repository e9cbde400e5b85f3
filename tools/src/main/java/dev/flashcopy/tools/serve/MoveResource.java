package dev.flashcopy.tools.serve;

import dev.flashcopy.tools.admin.ApiRequest;
import dev.flashcopy.tools.admin.ApiResponse;
import dev.flashcopy.tools.admin.RequestBody;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.Route;
import java.io.IOException;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /v1/server/move {"to": NAME, "volume": VOL}}: a planned handover of the store to the live standby NAME
 * ({@link StoreRoles#move}). Ownership is store-wide today, so the whole store moves; {@code volume}, optional, must
 * name one of its volumes, and moves with all the others. Answers {@code {"moved": "..."}}, one line saying what
 * moved where. Thread-safe: moves are serialised by the roles.
 */
final class MoveResource implements Resource {
    /** The answer: one line for the user. */
    record Moved(String moved) {}

    private static final Set<String> FIELDS = Set.of("to", "volume");

    private final StoreRoles roles;

    MoveResource(StoreRoles roles) {
        this.roles = roles;
    }

    @Override
    public List<Route> routes() {
        return List.of(Route.post("/v1/server/move", this::move));
    }

    private ApiResponse move(ApiRequest request) throws IOException {
        RequestBody body = request.jsonObject().allowOnly(FIELDS);
        String to = body.requiredString("to");
        Optional<String> volume = body.optionalString("volume");
        OwnerTerm term = roles.term();
        if (volume.isPresent() && (term == null || !term.store().contains(volume.get()))) {
            throw new NoSuchElementException("no volume named '" + volume.get() + "' (see 'flashcopy lsvol')");
        }
        return ApiResponse.ok(new Moved(roles.move(to)));
    }
}
