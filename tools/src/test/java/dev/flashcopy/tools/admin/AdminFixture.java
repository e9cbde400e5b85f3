package dev.flashcopy.tools.admin;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.flash.FlashEngine;
import dev.flashcopy.tools.admin.resource.DashboardResource;
import dev.flashcopy.tools.admin.resource.FreezesResource;
import dev.flashcopy.tools.admin.resource.MonitorResource;
import dev.flashcopy.tools.admin.resource.RelationshipsResource;
import dev.flashcopy.tools.admin.resource.ServerResource;
import dev.flashcopy.tools.admin.resource.VolumesResource;
import dev.flashcopy.tools.metrics.MetricsPage;
import dev.flashcopy.tools.metrics.NbdMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

/**
 * An admin API on an ephemeral loopback port over a volume store in a temporary directory, with
 * {@code admin.json} written as serve would, and a raw HTTP client for it. Not thread-safe.
 */
public final class AdminFixture implements AutoCloseable {
    public final Path dataDir;
    public final VolumeStore store;
    public final FlashEngine flash;
    public final AdminServer server;
    public final BearerToken token = BearerToken.generate();
    public final StringWriter log = new StringWriter();
    public final NbdMetrics nbdMetrics = new NbdMetrics();
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public AdminFixture(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.store = VolumeStore.open(dataDir);
        this.flash = FlashEngine.open(store);
        this.server = AdminServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                token,
                List.of(
                        new ServerResource(() -> new ServerResource.ServerJson(
                                "test", 1, dataDir.toString(), "127.0.0.1:1", url(), "now")),
                        new VolumesResource(store, flash.relationships()::roles, flash.freezes()::frozenUntil),
                        new RelationshipsResource(flash),
                        new FreezesResource(flash.freezes(), store),
                        new MonitorResource(new MetricsPage(nbdMetrics, flash.monitor()), flash.monitor()),
                        DashboardResource.load()),
                new PrintWriter(log, true));
        new AdminFile(url(), token.value(), ProcessHandle.current().pid(), "127.0.0.1:1").write(dataDir);
    }

    /** Not a field read in the constructor's lambda: the server is assigned only after it binds. */
    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    public HttpResponse<String> send(String method, String path, String body, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        return send(method, path, body, "Bearer " + token.value());
    }

    @Override
    public void close() {
        server.close();
        try {
            flash.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store.close();
    }
}
