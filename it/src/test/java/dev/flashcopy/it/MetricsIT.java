package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.AdminHttp;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Metrics;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} scraped with Java's HTTP client while qemu-io drives real I/O: every counter moves by
 * exactly what the client did (requests, bytes, errors, copy-on-write grains, background copy bytes,
 * journal commits), the page parses strictly as Prometheus text, and it needs the admin token.
 */
class MetricsIT {
    private static final String REQUESTS = "flashcopy_nbd_requests_total";
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void requestCountersMoveByExactlyWhatQemuIoDid() {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "64M").ok();
            AdminHttp admin = AdminHttp.of(server.dataDir());
            Qemu.io(server.uri("src"), "write -P 0x61 0 1M", "write -P 0x62 4M 256K", "write -P 0x63 8M 4K");
            Metrics before = admin.scrape();
            Qemu.io(
                    server.uri("src"),
                    "read -P 0x61 0 1M",
                    "read -P 0x62 4M 256K",
                    "write -P 0x64 16M 512K",
                    "write -P 0x65 20M 64K");
            Metrics after = admin.scrape();

            assertEquals(2, delta(before, after, REQUESTS, "export", "src", "command", "read"));
            assertEquals(2, delta(before, after, REQUESTS, "export", "src", "command", "write"));
            assertEquals(MIB + 256 * 1024, delta(before, after, "flashcopy_nbd_read_bytes_total", "export", "src"));
            assertEquals(
                    512 * 1024 + 64 * 1024, delta(before, after, "flashcopy_nbd_written_bytes_total", "export", "src"));
            assertEquals(0, sum(after, "flashcopy_nbd_errors_total", "export", "src"));

            // The histogram counts every request once, its buckets never fall, and +Inf holds them all.
            double requests = sum(after, REQUESTS, "export", "src");
            assertEquals(requests, after.value("flashcopy_nbd_request_duration_seconds_count", "export", "src"));
            List<Metrics.Sample> buckets =
                    after.select("flashcopy_nbd_request_duration_seconds_bucket", "export", "src");
            for (int i = 1; i < buckets.size(); i++) {
                assertTrue(buckets.get(i).value() >= buckets.get(i - 1).value(), "cumulative buckets: " + buckets);
            }
            assertEquals("+Inf", buckets.getLast().labels().get("le"));
            assertEquals(requests, buckets.getLast().value());
            assertTrue(after.value("flashcopy_nbd_request_duration_seconds_sum", "export", "src") > 0);
        }
    }

    @Test
    void copyOnWriteBackgroundCopyJournalAndErrorsAreCounted() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", "64M").ok();
            AdminHttp admin = AdminHttp.of(server.dataDir());
            Qemu.io(server.uri("src"), "write -P 0x61 0 1M");
            server.cli("mkflash", "--nocp", "--tgtinhibit", "src:snap").ok();
            Metrics before = admin.scrape();
            // 256 KiB at 64 KiB grains, one NBD write: four grains copied to snap in one run before the source changes.
            Qemu.io(server.uri("src"), "write -P 0x71 0 256K");
            // The export is read-only, so real clients will not even try; send the write by hand.
            try (RawNbdClient c = new RawNbdClient(server.host(), server.port())) {
                c.greet();
                c.go("snap");
                long cookie = c.request(0, RawNbdClient.CMD_WRITE, 0, 4096, new byte[4096]);
                assertEquals(1, c.readSimpleReply(cookie, null), "EPERM for a write to a tgtinhibit target");
            }
            Metrics after = admin.scrape();

            assertEquals(4, after.value("flashcopy_cow_grain_copies_total", "source", "src", "target", "snap"));
            assertEquals(1024 - 4, after.value("flashcopy_grains_remaining", "source", "src", "target", "snap"));
            assertEquals(1024, after.value("flashcopy_grains", "source", "src", "target", "snap"));
            assertTrue(delta(before, after, "flashcopy_journal_commits_total") >= 1);
            assertEquals(
                    1,
                    delta(before, after, "flashcopy_journal_records_total"),
                    "one record for the run of four grains the 256 KiB write copied");
            assertTrue(delta(before, after, "flashcopy_journal_fsyncs_total") >= 1);
            assertEquals(1, delta(before, after, "flashcopy_nbd_errors_total", "export", "snap", "error", "EPERM"));
            assertEquals(0, after.value("flashcopy_nbd_written_bytes_total", "export", "snap"), "refused: not written");

            // A persistent COPY of the source copies its 1 MiB of data and punches the holes: 1 MiB of copy I/O.
            server.cli("mkflash", "--persist", "src:full").ok();
            server.cli("wait", "src:full", "--timeout", "120").ok();
            Metrics copied = admin.scrape();
            assertEquals(0, copied.value("flashcopy_grains_remaining", "source", "src", "target", "full"));
            assertEquals(MIB, copied.value("flashcopy_background_copy_bytes_total", "source", "src", "target", "full"));
        }
    }

    @Test
    void metricsNeedTheTokenAndSpeakPrometheusText() {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            AdminHttp admin = AdminHttp.of(server.dataDir());
            assertEquals(401, admin.send("/metrics", null).statusCode());
            assertEquals(401, admin.send("/metrics", "Bearer wrong").statusCode());
            HttpResponse<String> ok = admin.get("/metrics");
            assertEquals(200, ok.statusCode());
            assertEquals(
                    "text/plain; version=0.0.4; charset=utf-8",
                    ok.headers().firstValue("Content-Type").orElseThrow());
            Metrics m = Metrics.parse(ok.body());
            assertEquals(0, m.value("flashcopy_journal_records_total"), "a fresh server has journaled nothing");
            String curl = Command.run(
                            Duration.ofSeconds(30),
                            "curl",
                            "-sf",
                            "-H",
                            "Authorization: Bearer " + admin.token(),
                            admin.url() + "/metrics")
                    .ok()
                    .out();
            assertTrue(curl.contains("# TYPE flashcopy_nbd_request_duration_seconds histogram"), curl);
        }
    }

    private static double delta(Metrics before, Metrics after, String name, String... labels) {
        return after.value(name, labels) - (before.select(name, labels).isEmpty() ? 0 : before.value(name, labels));
    }

    private static double sum(Metrics m, String name, String... labels) {
        return m.select(name, labels).stream()
                .mapToDouble(Metrics.Sample::value)
                .sum();
    }
}
