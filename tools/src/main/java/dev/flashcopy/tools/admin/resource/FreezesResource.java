package dev.flashcopy.tools.admin.resource;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.freeze.SourceFreeze;
import dev.flashcopy.tools.admin.ApiRequest;
import dev.flashcopy.tools.admin.ApiResponse;
import dev.flashcopy.tools.admin.RequestBody;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * {@code /v1/freezes}: consistency-group freezes. {@code GET} lists the frozen source volumes with the
 * instant their freeze times out; {@code POST /v1/freezes/unfreeze} ({@code unfreezeflash}) releases the held
 * writes of the named {@code volumes}, or of every frozen volume when the list is absent or empty, and
 * answers with those released. Thread-safe: the freeze set is.
 */
public final class FreezesResource implements Resource {
    /** One frozen source. */
    public record FrozenJson(String volume, String frozenUntil) {}

    /** Frozen sources, by name; {@code heldRequests} are writes waiting right now. */
    public record FrozenList(List<FrozenJson> frozen, long heldRequests) {}

    /** What an unfreeze released. */
    public record Released(List<String> released) {}

    private static final Set<String> UNFREEZE_FIELDS = Set.of("volumes");

    private final SourceFreeze freezes;
    private final VolumeStore store;

    public FreezesResource(SourceFreeze freezes, VolumeStore store) {
        this.freezes = freezes;
        this.store = store;
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get("/v1/freezes", r -> ApiResponse.ok(list())),
                Route.post("/v1/freezes/unfreeze", this::unfreeze));
    }

    private FrozenList list() {
        List<FrozenJson> all = new ArrayList<>();
        freezes.frozenVolumes().forEach((v, until) -> all.add(new FrozenJson(v, until.toString())));
        return new FrozenList(all, freezes.heldRequests());
    }

    private ApiResponse unfreeze(ApiRequest request) {
        RequestBody body = request.jsonObject().allowOnly(UNFREEZE_FIELDS);
        List<String> volumes = new ArrayList<>();
        JsonNode node = body.node("volumes").orElse(null);
        if (node != null && !node.isNull()) {
            if (!node.isArray()) {
                throw RequestBody.wrongType("volumes", node, "an array of volume names");
            }
            for (JsonNode v : node) {
                if (!v.isTextual()) {
                    throw RequestBody.wrongType("volumes[]", v, "a volume name");
                }
                if (!store.contains(v.textValue())) {
                    throw new NoSuchElementException("no volume named '" + v.textValue() + "' (see 'flashcopy lsvol')");
                }
                volumes.add(v.textValue());
            }
        }
        return ApiResponse.ok(new Released(freezes.unfreeze(volumes)));
    }
}
