package dev.flashcopy.tools.admin.resource;

import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.monitor.FlashMonitor;
import dev.flashcopy.engine.monitor.GrainMap;
import dev.flashcopy.tools.admin.ApiResponse;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.Route;
import dev.flashcopy.tools.metrics.MetricsPage;
import dev.flashcopy.tools.metrics.PrometheusText;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Read-only monitoring: {@code GET /metrics} in Prometheus text format, and {@code GET
 * /v1/relationships/{pair}/grainmap}, a relationship's bitmaps downsampled to {@value #GRAIN_MAP_BUCKETS}
 * buckets (fewer for small volumes) for the dashboard's picture. Both need the bearer token like
 * the rest of the API: counters name volumes, and a scraper can send the token from a file.
 * Thread-safe: it only reads thread-safe counters.
 */
public final class MonitorResource implements Resource {
    /** Wide enough for a picture across a screen, small enough to poll every second (~30 KB of JSON). */
    public static final int GRAIN_MAP_BUCKETS = 512;

    private final MetricsPage page;
    private final FlashMonitor flash;

    public MonitorResource(MetricsPage page, FlashMonitor flash) {
        this.page = page;
        this.flash = flash;
    }

    @Override
    public List<Route> routes() {
        return List.of(
                Route.get(
                        "/metrics",
                        r -> ApiResponse.raw(
                                PrometheusText.CONTENT_TYPE,
                                page.render().getBytes(StandardCharsets.UTF_8),
                                Map.of("Cache-Control", "no-store"))),
                Route.get("/v1/relationships/{pair}/grainmap", r -> ApiResponse.ok(grainMap(r.param("pair")))));
    }

    private GrainMap grainMap(String text) {
        PairSpec pair = PairSpec.parse(text);
        return flash.grainMap(pair.source(), pair.target(), GRAIN_MAP_BUCKETS)
                .orElseThrow(
                        () -> new NoSuchElementException("no live FlashCopy relationship " + pair + " (see lsflash)"));
    }
}
