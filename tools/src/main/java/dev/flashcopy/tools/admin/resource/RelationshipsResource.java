package dev.flashcopy.tools.admin.resource;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.engine.ending.RelationshipEnding;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.flash.FlashEngine;
import dev.flashcopy.engine.freeze.FreezeOptions;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.relationship.OnFull;
import dev.flashcopy.engine.revertible.Revertibles;
import dev.flashcopy.engine.withdraw.WithdrawResult;
import dev.flashcopy.tools.admin.ApiException;
import dev.flashcopy.tools.admin.ApiRequest;
import dev.flashcopy.tools.admin.ApiResponse;
import dev.flashcopy.tools.admin.RequestBody;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.Route;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * {@code /v1/relationships}: FlashCopy pairs. {@code POST} establishes ({@code mkflash}), {@code GET}
 * lists all or those of one volume or {@code SOURCE:TARGET} ({@code lsflash}), {@code .../withdraw}
 * ends one ({@code rmflash}), {@code .../rate} changes its copy rate, {@code .../resync} refreshes one
 * recording pair to a new T0 ({@code resyncflash}; {@code POST /v1/relationships/resync} with
 * {@code pairs} does several at one instant), {@code .../reverse} restores the target onto the source
 * ({@code reverseflash}), {@code .../revertible}, {@code .../commit} and {@code .../revert} run
 * {@code setflashrevertible}, {@code commitflash} and {@code revertflash}; an establish with
 * {@code extents} makes an extent relationship of its one pair. Establish and resync take {@code freeze} and
 * {@code freezeTimeoutMs} (consistency group: the sources' writes are held after T0; {@code /v1/freezes}
 * releases them). {@code GET /v1/endings[/SOURCE:TARGET]} says how recent relationships ended (completed,
 * withdrawn, failed, reversed), so {@code wait} can tell a finished copy from a withdrawn one. The engine checks every rule
 * before it changes anything, so a refused request leaves no trace. Thread-safe: the engine serialises
 * its own changes.
 */
public final class RelationshipsResource implements Resource {
    /** Wrapped in an object so listings can grow fields without breaking clients. */
    public record RelationshipList(List<RelationshipJson> relationships) {}

    /**
     * How one relationship ended: {@code ending} is {@code completed}, {@code withdrawn} (grains were still to
     * copy), {@code failed} or {@code reversed} (by reverseflash: the pair runs the other way now); {@code at} in
     * ISO-8601.
     */
    public record EndingJson(String source, String target, String ending, String reason, String at) {
        static EndingJson of(RelationshipEnding e) {
            return new EndingJson(e.source(), e.target(), e.kind().label(), e.reason(), e.at().toString());
        }
    }

    /** The recent endings (last 24 h, at most 1000), oldest first. */
    public record EndingList(List<EndingJson> endings) {}

    /** What a withdraw did; {@code withdrawn} is false while a {@code cp} withdraw still copies. */
    public record Withdrawal(RelationshipJson relationship, boolean withdrawn) {}

    private static final Set<String> ESTABLISH_FIELDS = Set.of(
            "pairs",
            "mode",
            "persistent",
            "tgtinhibit",
            "seqnum",
            "grainSize",
            "rateMiBps",
            "record",
            "freeze",
            "freezeTimeoutMs",
            "onFull",
            "extents");
    private static final Set<String> RESYNC_FIELDS =
            Set.of("pairs", "record", "persistent", "tgtinhibit", "seqnum", "freeze", "freezeTimeoutMs");
    private static final Set<String> REVERSE_FIELDS = Set.of("record", "persistent", "fast");
    private static final Set<String> WITHDRAW_FIELDS = Set.of("cp", "force", "seqnum");
    private static final Set<String> RATE_FIELDS = Set.of("rateMiBps");

    private final FlashEngine flash;
    /** This server's name on a store several servers share; null on a file store. */
    private final String owner;

    public RelationshipsResource(FlashEngine flash) {
        this(flash, null);
    }

    /** @param owner this server's name, on a store several servers share (null on a file store) */
    public RelationshipsResource(FlashEngine flash, String owner) {
        this.flash = flash;
        this.owner = owner;
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get(
                        "/v1/relationships",
                        r -> ApiResponse.ok(list(flash.relationships().list()))),
                Route.get(
                        "/v1/relationships/{filter}",
                        r -> ApiResponse.ok(list(flash.relationships().list(r.param("filter"))))),
                Route.get(
                        "/v1/endings",
                        r -> ApiResponse.ok(endings(flash.endings().all()))),
                Route.get("/v1/endings/{pair}", r -> {
                    PairSpec p = PairSpec.parse(r.param("pair"));
                    return ApiResponse.ok(endings(flash.endings().of(p.source(), p.target())));
                }),
                Route.post("/v1/relationships", this::establish),
                Route.post("/v1/relationships/{pair}/withdraw", this::withdraw),
                Route.post("/v1/relationships/{pair}/rate", this::rate),
                Route.post("/v1/relationships/resync", r -> resync(r, null)),
                Route.post("/v1/relationships/{pair}/resync", r -> resync(r, PairSpec.parse(r.param("pair")))),
                Route.post("/v1/relationships/{pair}/reverse", this::reverse),
                Route.post("/v1/relationships/{pair}/revertible", r -> revertible(r, "revertible")),
                Route.post("/v1/relationships/{pair}/commit", r -> revertible(r, "commit")),
                Route.post("/v1/relationships/{pair}/revert", r -> revertible(r, "revert")));
    }

    private static EndingList endings(List<RelationshipEnding> endings) {
        return new EndingList(endings.stream().map(EndingJson::of).toList());
    }

    private RelationshipList list(List<RelationshipView> views) {
        return new RelationshipList(views.stream().map(this::json).toList());
    }

    private RelationshipJson json(RelationshipView v) {
        return RelationshipJson.of(v, flash.freezes().frozenUntil(v.source()), owner);
    }

    /** {@code freeze} and {@code freezeTimeoutMs} (default 120 000) of an establish or resync body. */
    private static FreezeOptions freeze(RequestBody body) {
        boolean freeze = body.optionalBoolean("freeze", false);
        OptionalLong ms = body.optionalLong("freezeTimeoutMs");
        if (ms.isPresent() && !freeze) {
            throw ApiException.badRequest("field 'freezeTimeoutMs' needs 'freeze': true");
        }
        if (ms.isPresent() && (ms.getAsLong() <= 0 || ms.getAsLong() > FreezeOptions.MAX_TIMEOUT.toMillis())) {
            throw ApiException.badRequest("field 'freezeTimeoutMs' is " + ms.getAsLong() + " (expected: 1 to "
                    + FreezeOptions.MAX_TIMEOUT.toMillis() + " milliseconds)");
        }
        return freeze
                ? FreezeOptions.freezeFor(
                        ms.isPresent() ? Duration.ofMillis(ms.getAsLong()) : FreezeOptions.DEFAULT_TIMEOUT)
                : FreezeOptions.NONE;
    }

    private ApiResponse establish(ApiRequest request) throws IOException {
        RequestBody body = request.jsonObject().allowOnly(ESTABLISH_FIELDS);
        List<PairSpec> pairs = pairs(body);
        EstablishOptions options = EstablishOptions.defaults()
                .withMode(mode(body.optionalString("mode").orElse("copy")))
                .withPersistent(body.optionalBoolean("persistent", false))
                .withTargetWriteInhibit(body.optionalBoolean("tgtinhibit", false))
                .withSeqnum(body.optionalLong("seqnum").orElse(0))
                .withRecording(body.optionalBoolean("record", false));
        if (body.has("grainSize")) {
            options = options.withGrainSize(grainSize(body.node("grainSize").get()));
        }
        if (body.has("rateMiBps")) {
            options = options.withRateMiBps(
                    intField("rateMiBps", body.optionalLong("rateMiBps").getAsLong()));
        }
        String onFull = body.optionalString("onFull").orElse("fail");
        try {
            options = options.withOnFull(OnFull.parse(onFull));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("field 'onFull': " + onFull + " (expected: fail or inhibit-source)");
        }
        if (body.has("extents")) {
            pairs = List.of(withExtents(pairs, body.node("extents").get()));
        }
        List<RelationshipView> made = flash.establish(pairs, options, freeze(body));
        return ApiResponse.created(list(made), "/v1/relationships");
    }

    private ApiResponse resync(ApiRequest request, PairSpec one) throws IOException {
        RequestBody body = request.jsonObject().allowOnly(RESYNC_FIELDS);
        List<PairSpec> pairs = one != null ? List.of(one) : pairs(body);
        if (one != null && body.has("pairs")) {
            throw ApiException.badRequest("field 'pairs' is not allowed here (expected: the pair in the path only)");
        }
        ResyncOptions options = new ResyncOptions(
                body.optionalBoolean("record", false),
                body.optionalBoolean("persistent", false),
                body.optionalBoolean("tgtinhibit", false),
                body.optionalLong("seqnum"));
        return ApiResponse.ok(list(flash.resync(pairs, options, freeze(body))));
    }

    private ApiResponse reverse(ApiRequest request) throws IOException {
        PairSpec pair = PairSpec.parse(request.param("pair"));
        RequestBody body = request.jsonObject().allowOnly(REVERSE_FIELDS);
        ReverseOptions options = new ReverseOptions(
                body.optionalBoolean("record", false),
                body.optionalBoolean("persistent", false),
                body.optionalBoolean("fast", false));
        return ApiResponse.ok(json(flash.reverse(pair.source(), pair.target(), options)));
    }

    /** setflashrevertible, commitflash, revertflash: an empty body, the pair in the path. */
    private ApiResponse revertible(ApiRequest request, String action) throws IOException {
        PairSpec pair = PairSpec.parse(request.param("pair"));
        request.jsonObject().allowOnly(Set.of());
        Revertibles r = flash.revertibles();
        RelationshipView after = switch (action) {
            case "revertible" -> r.setRevertible(pair.source(), pair.target());
            case "commit" -> r.commit(pair.source(), pair.target());
            default -> r.revert(pair.source(), pair.target());
        };
        return ApiResponse.ok(json(after));
    }

    /** An extent relationship: one pair, ranges as {@code "SRC_OFFSET:TGT_OFFSET:LENGTH"} strings. */
    private static PairSpec withExtents(List<PairSpec> pairs, JsonNode node) {
        if (pairs.size() != 1) {
            throw ApiException.badRequest("field 'extents' names ranges of one pair, but 'pairs' has " + pairs.size()
                    + " (expected: exactly one pair with extents)");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw RequestBody.wrongType("extents", node, "a non-empty array of \"SRC_OFFSET:TGT_OFFSET:LENGTH\"");
        }
        List<Extent> extents = new ArrayList<>();
        for (JsonNode e : node) {
            if (!e.isTextual()) {
                throw RequestBody.wrongType("extents[]", e, "a string \"SRC_OFFSET:TGT_OFFSET:LENGTH\"");
            }
            extents.add(Extent.parse(e.textValue()));
        }
        return pairs.get(0).withExtents(extents);
    }

    private static List<PairSpec> pairs(RequestBody body) {
        JsonNode pairsNode = body.node("pairs")
                .orElseThrow(() -> ApiException.badRequest(
                        "field 'pairs' is missing (expected: an array of \"SOURCE:TARGET\" strings)"));
        if (!pairsNode.isArray() || pairsNode.isEmpty()) {
            throw RequestBody.wrongType("pairs", pairsNode, "a non-empty array of \"SOURCE:TARGET\" strings");
        }
        List<PairSpec> pairs = new ArrayList<>();
        for (JsonNode p : pairsNode) {
            if (!p.isTextual()) {
                throw RequestBody.wrongType("pairs[]", p, "a string \"SOURCE:TARGET\"");
            }
            pairs.add(PairSpec.parse(p.textValue()));
        }
        return pairs;
    }

    private ApiResponse withdraw(ApiRequest request) throws IOException {
        PairSpec pair = PairSpec.parse(request.param("pair"));
        RequestBody body = request.jsonObject().allowOnly(WITHDRAW_FIELDS);
        OptionalLong seqnum = body.optionalLong("seqnum");
        WithdrawResult result = flash.withdraw(
                pair.source(),
                pair.target(),
                body.optionalBoolean("cp", false),
                body.optionalBoolean("force", false),
                seqnum);
        return ApiResponse.ok(new Withdrawal(json(result.relationship()), result.withdrawn()));
    }

    private ApiResponse rate(ApiRequest request) throws IOException {
        PairSpec pair = PairSpec.parse(request.param("pair"));
        RequestBody body = request.jsonObject().allowOnly(RATE_FIELDS);
        long rate = body.optionalLong("rateMiBps")
                .orElseThrow(
                        () -> ApiException.badRequest("field 'rateMiBps' is missing (expected: MiB/s, 0 = unlimited)"));
        return ApiResponse.ok(json(flash.copies().setRate(pair.source(), pair.target(), intField("rateMiBps", rate))));
    }

    private static CopyMode mode(String text) {
        return switch (text) {
            case "copy" -> CopyMode.COPY;
            case "nocopy" -> CopyMode.NOCOPY;
            default -> throw ApiException.badRequest("mode '" + text + "' is not valid (expected: copy or nocopy)");
        };
    }

    private static int grainSize(JsonNode n) {
        long bytes;
        if (n.isTextual()) {
            bytes = ByteSize.parse(n.textValue());
        } else if (n.isIntegralNumber() && n.canConvertToLong()) {
            bytes = n.longValue();
        } else {
            throw RequestBody.wrongType("grainSize", n, "bytes, as a number or a string such as \"64K\"");
        }
        return intField("grainSize", bytes);
    }

    private static int intField(String field, long value) {
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw ApiException.badRequest(
                    "field '" + field + "' is " + value + " (expected: a value that fits 32 bits)");
        }
        return (int) value;
    }
}
