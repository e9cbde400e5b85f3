package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_FLUSH;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.metrics.ExportMetrics;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every finished request is reported once to its export's metrics, with its bytes, time and error. */
class RequestMetricsTest {
    private static final long SIZE = 1L << 20;

    /** One report as the server made it. */
    private record Report(String export, NbdCommand command, long bytes, long nanos, NbdError error) {}

    @TempDir
    Path dir;

    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private Volume disk;
    private Volume readOnly;
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        disk = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), SIZE), false);
        readOnly = new Volume("ro", ImageFile.create(dir.resolve("ro.img"), SIZE), true);
        server = NbdServer.start(
                new NbdServerConfig("127.0.0.1", 0, 2, 1),
                NbdSecurity.NONE,
                new LeaseCountingDevices(disk, readOnly),
                name -> (ExportMetrics)
                        (command, bytes, nanos, error) -> reports.add(new Report(name, command, bytes, nanos, error)));
    }

    @AfterEach
    void stop() {
        server.close();
        disk.close();
        readOnly.close();
    }

    @Test
    void readsWritesAndFlushesAreReportedWithTheirBytes() throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.address()).connect("disk", false)) {
            c.request(0, CMD_WRITE, 1, 0, 8192, new byte[8192]);
            assertEquals(0, c.readSimple(0).error());
            c.request(0, CMD_READ, 2, 4096, 4096, null);
            assertEquals(0, c.readSimple(4096).error());
            c.request(0, CMD_FLUSH, 3, 0, 0, null);
            assertEquals(0, c.readSimple(0).error());
        }
        assertEquals(
                List.of("disk WRITE 8192 null", "disk READ 4096 null", "disk FLUSH 0 null"),
                reports.stream()
                        .map(r -> r.export() + " " + r.command() + " " + r.bytes() + " " + r.error())
                        .toList());
        assertTrue(reports.stream().allMatch(r -> r.nanos() > 0), "every request took some time: " + reports);
    }

    @Test
    void refusedRequestsAreReportedWithTheirErrorAndNoBytes() throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.address()).connect("ro", false)) {
            c.request(0, CMD_WRITE, 1, 0, 4096, new byte[4096]);
            assertEquals(NbdError.EPERM.code(), c.readSimple(0).error());
            c.request(0, CMD_READ, 2, SIZE, 4096, null);
            assertEquals(NbdError.EINVAL.code(), c.readSimple(0).error());
            c.request(0, 42, 3, 0, 0, null);
            assertEquals(NbdError.EINVAL.code(), c.readSimple(0).error());
        }
        assertEquals(
                List.of("ro WRITE 0 EPERM", "ro READ 0 EINVAL", "ro null 0 EINVAL"),
                reports.stream()
                        .map(r -> r.export() + " " + r.command() + " " + r.bytes() + " " + r.error())
                        .toList());
    }
}
