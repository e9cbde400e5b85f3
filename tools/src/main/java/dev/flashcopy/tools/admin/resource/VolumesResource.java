package dev.flashcopy.tools.admin.resource;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.engine.catalog.VolumeNames;
import dev.flashcopy.engine.catalog.VolumeRecord;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.membership.VolumeRoles;
import dev.flashcopy.tools.admin.ApiException;
import dev.flashcopy.tools.admin.ApiRequest;
import dev.flashcopy.tools.admin.ApiResponse;
import dev.flashcopy.tools.admin.RequestBody;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.Route;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code /v1/volumes}: list, create ({@code size}) or register ({@code file}), show and remove
 * volumes. Every check happens before the store is touched, so a refused request changes nothing.
 * Thread-safe: the store serialises its own changes.
 */
public final class VolumesResource implements Resource {
    /** Wrapper object rather than a bare array, so the listing can grow fields without breaking clients. */
    public record VolumeList(List<VolumeJson> volumes) {}

    private static final Set<String> CREATE_FIELDS = Set.of("name", "size", "file", "image");

    private final VolumeStore store;
    private final Function<String, VolumeRoles> roles;
    private final Function<String, Optional<Instant>> frozenUntil;
    private final List<Path> imageDirs;
    /** The server that serves these volumes, on a store several servers share; null on a file store. */
    private final String owner;

    /** @param roles each volume's FlashCopy roles (the engine's {@code roles}) */
    public VolumesResource(VolumeStore store, Function<String, VolumeRoles> roles) {
        this(store, roles, v -> Optional.empty());
    }

    /** @param frozenUntil when each volume's consistency-group freeze ends, if it is frozen */
    public VolumesResource(
            VolumeStore store, Function<String, VolumeRoles> roles, Function<String, Optional<Instant>> frozenUntil) {
        this(store, roles, frozenUntil, List.of());
    }

    /**
     * @param imageDirs the directories ({@code serve --image-dir}) whose images {@code file} may name, besides
     *     {@code DATA/volumes}: registering exports a file writable over NBD, so not any file the server can open
     */
    public VolumesResource(
            VolumeStore store,
            Function<String, VolumeRoles> roles,
            Function<String, Optional<Instant>> frozenUntil,
            List<Path> imageDirs) {
        this(store, roles, frozenUntil, imageDirs, null);
    }

    /** @param owner this server's name, on a store several servers share (null on a file store) */
    public VolumesResource(
            VolumeStore store,
            Function<String, VolumeRoles> roles,
            Function<String, Optional<Instant>> frozenUntil,
            List<Path> imageDirs,
            String owner) {
        this.owner = owner;
        this.store = store;
        this.roles = roles;
        this.frozenUntil = frozenUntil;
        List<Path> dirs = new ArrayList<>(imageDirs);
        dirs.add(0, store.dataDir().resolve("volumes"));
        this.imageDirs = List.copyOf(dirs);
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get("/v1/volumes", this::list),
                Route.post("/v1/volumes", this::create),
                Route.get("/v1/volumes/{name}", this::show),
                Route.delete("/v1/volumes/{name}", this::remove));
    }

    private ApiResponse list(ApiRequest request) throws IOException {
        List<VolumeJson> out = new ArrayList<>();
        for (VolumeRecord r : store.records()) {
            out.add(VolumeJson.of(store, r, roles, frozenUntil, owner));
        }
        return ApiResponse.ok(new VolumeList(out));
    }

    private ApiResponse show(ApiRequest request) throws IOException {
        return ApiResponse.ok(VolumeJson.of(store, record(request.param("name")), roles, frozenUntil, owner));
    }

    private ApiResponse create(ApiRequest request) throws IOException {
        RequestBody body = request.jsonObject().allowOnly(CREATE_FIELDS);
        String name = VolumeNames.check(body.requiredString("name"));
        String field = store.images().registerField();
        String other = field.equals("file") ? "image" : "file";
        if (body.has(other)) {
            // "field: " as the engine's argument checks write it, so the CLI can name its options instead.
            throw ApiException.badRequest(other + ": does not apply here: this server keeps its volumes in "
                    + store.images().describe() + "; " + field + ": " + (field.equals("file") ? "PATH" : "POOL/IMAGE")
                    + " registers an existing image");
        }
        if (body.has("size") == body.has(field)) {
            throw ApiException.badRequest("give exactly one of 'size' (create a sparse image) or '" + field
                    + "' (register an existing raw image)");
        }
        Long size = body.node("size").map(VolumesResource::size).orElse(null);
        String reference = body.optionalString(field).orElse(null);
        // The store's methods lock the store itself, so holding its monitor makes check-then-create
        // atomic: a duplicate is always a 409, never a race into the engine's own 400.
        synchronized (store) {
            if (store.contains(name)) {
                throw ApiException.conflict("volume " + name + " already exists");
            }
            if (size != null) {
                store.create(name, size);
            } else if (field.equals("file")) {
                store.register(name, allowed(absoluteFile(reference)));
            } else {
                store.register(name, reference);
            }
        }
        return ApiResponse.created(
                VolumeJson.of(store, record(name), roles, frozenUntil, owner), "/v1/volumes/" + name);
    }

    private ApiResponse remove(ApiRequest request) throws IOException {
        String name = request.param("name");
        VolumeJson before = VolumeJson.of(store, record(name), roles, frozenUntil, owner);
        store.remove(name);
        return ApiResponse.ok(before);
    }

    private VolumeRecord record(String name) {
        return store.records().stream()
                .filter(r -> r.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new NoSuchElementException("no volume named '" + name + "' (see 'flashcopy lsvol')"));
    }

    /** {@code "10G"} or a whole number of bytes; the store checks the 512-byte multiple. */
    private static long size(JsonNode n) {
        if (n.isTextual()) {
            return ByteSize.parse(n.textValue());
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue();
        }
        throw RequestBody.wrongType("size", n, "a whole number of bytes or a string such as \"10G\"");
    }

    /**
     * {@code file} with its symbolic links resolved, when that lies under an image directory (also resolved, so
     * a link cannot lead out of one); else a refusal naming the directories and {@code --image-dir}.
     */
    private Path allowed(Path file) throws IOException {
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw ApiException.badRequest("file " + file + " does not exist (expected: an existing raw image)");
        }
        for (Path dir : imageDirs) {
            try {
                if (real.startsWith(dir.toRealPath())) {
                    return real;
                }
            } catch (NoSuchFileException e) {
                // an image directory removed since the start allows nothing
            }
        }
        throw ApiException.badRequest("file " + file + " is not under an image directory (expected: under "
                + String.join(" or ", imageDirs.stream().map(Path::toString).toList()) + "; start serve with"
                + " --image-dir DIR to allow another)");
    }

    /** The server's working directory means nothing to the client, so relative paths are refused. */
    private static Path absoluteFile(String file) {
        Path p = Path.of(file);
        if (!p.isAbsolute()) {
            throw ApiException.badRequest("file '" + file + "' is a relative path (expected: an absolute path;"
                    + " the flashcopy command resolves it against its working directory)");
        }
        return p;
    }
}
