package dev.flashcopy.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/** Servers sharing one pool: starting two at once, and which of them owns the store as one of them sees it. */
public final class PoolServers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PoolServers() {}

    /** Two servers started side by side on {@code pool} (each start is mostly a JVM warming up). */
    public record Two(ServerProcess first, ServerProcess second) implements AutoCloseable {
        @Override
        public void close() {
            first.close();
            second.close();
        }
    }

    /** Starts servers {@code one} and {@code two} of {@code pool} at once, in {@code tmp/NAME}. */
    public static Two start(Path tmp, String pool, String one, String two) {
        CompletableFuture<ServerProcess> a = CompletableFuture.supplyAsync(
                () -> ServerProcess.start(tmp.resolve(one), Ceph.serverArgs(pool, one)), Command.OWN_THREAD);
        ServerProcess b = ServerProcess.start(tmp.resolve(two), Ceph.serverArgs(pool, two));
        return new Two(a.join(), b);
    }

    /** {@code GET /v1/server} of {@code s}: its {@code role}, {@code serverName}, {@code storeOwner}. */
    public static JsonNode server(ServerProcess s) throws Exception {
        var r = AdminHttp.of(s.dataDir()).get("/v1/server");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Waits up to {@code bound} until the store's owner, as {@code through} sees it, passes {@code done}. */
    public static boolean awaitOwner(ServerProcess through, Predicate<String> done, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode s = server(through);
            if (done.test(
                    s.path("role").asText().equals("owner")
                            ? s.path("serverName").asText()
                            : s.path("storeOwner").asText())) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}
