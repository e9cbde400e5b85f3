package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.access.AddressRange;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.tls.TlsMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export rules and the handshake timeout over real sockets (the client is 127.0.0.1). */
class NbdSecuritySocketTest {
    private static final int LIST = 3;
    private static final int INFO = 6;
    private static final int GO = 7;
    private static final int SERVER = 2;
    private static final int ERR_POLICY = 0x80000002;
    private static final int READ_ONLY_FLAG = 2;
    private static final int EPERM = 1;

    @TempDir
    Path dir;

    private final List<Volume> volumes = new ArrayList<>();
    private LeaseCountingDevices devices;
    private NbdServer server;

    private void start(ExportAccess access, Duration timeout) throws IOException {
        for (String name : new String[] {"open", "fenced", "golden"}) {
            volumes.add(new Volume(name, ImageFile.create(dir.resolve(name + ".img"), 1 << 20), false));
        }
        devices = new LeaseCountingDevices(volumes.toArray(Volume[]::new));
        server = NbdServer.start(
                new NbdServerConfig("127.0.0.1", 0, 2, 1),
                new NbdSecurity(TlsMode.OFF, null, access, timeout),
                devices);
    }

    private void startWithRules() throws IOException {
        start(
                new ExportAccess(Map.of("fenced", List.of(AddressRange.parse("10.0.0.0/8"))), Set.of("golden")),
                Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            assertEquals(0, devices.openLeases());
        }
        volumes.forEach(Volume::close);
    }

    @Test
    void deniedClientGetsPolicyErrorAndDoesNotSeeTheExport() throws Exception {
        startWithRules();
        try (RawNbdClient c = new RawNbdClient(server.address())) {
            c.greet(3);
            for (int option : new int[] {INFO, GO}) {
                c.sendOption(option, RawNbdClient.goData("fenced"));
                RawNbdClient.OptionReply reply = c.readOptionReply();
                assertEquals(ERR_POLICY, reply.type(), "option " + option);
                assertTrue(new String(reply.data(), StandardCharsets.UTF_8).contains("127.0.0.1"));
            }
            c.sendOption(LIST, new byte[0]);
            List<String> listed = c.readOptionReplies().stream()
                    .filter(r -> r.type() == SERVER)
                    .map(r -> new String(r.data(), 4, r.data().length - 4, StandardCharsets.UTF_8))
                    .toList();
            assertTrue(listed.stream().noneMatch(s -> s.startsWith("fenced")), listed.toString());
            assertTrue(listed.stream().anyMatch(s -> s.startsWith("open")), listed.toString());
            c.sendOption(1, "fenced".getBytes(StandardCharsets.UTF_8)); // EXPORT_NAME cannot be refused: closed
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void readOnlyExportIsAdvertisedAndRefusesWritesWithEperm() throws Exception {
        startWithRules();
        try (RawNbdClient c = new RawNbdClient(server.address()).connect("golden", false)) {
            assertEquals(READ_ONLY_FLAG, c.transmissionFlags & READ_ONLY_FLAG);
            c.request(0, CMD_WRITE, 1, 0, 4096, new byte[4096]);
            assertEquals(EPERM, c.readSimple(0).error());
            c.request(0, CMD_READ, 2, 0, 4096, null);
            assertEquals(0, c.readSimple(4096).error());
        }
        try (RawNbdClient c = new RawNbdClient(server.address()).connect("open", false)) {
            assertEquals(0, c.transmissionFlags & READ_ONLY_FLAG);
        }
    }

    @Test
    void clientThatNeverFinishesTheHandshakeIsDisconnected() throws Exception {
        start(ExportAccess.OPEN, Duration.ofMillis(300));
        try (RawNbdClient idle = new RawNbdClient(server.address());
                RawNbdClient busy = new RawNbdClient(server.address()).connect("open", false)) {
            idle.greet(3); // then nothing more
            long started = System.nanoTime();
            assertTrue(idle.closedByServer());
            long waitedMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(waitedMs < 9_000, "closed by the handshake timeout, not the test's socket timeout: " + waitedMs);
            Thread.sleep(500); // past the timeout: a connection in transmission is not affected
            busy.request(0, CMD_READ, 1, 0, 512, null);
            assertEquals(0, busy.readSimple(512).error());
        }
    }
}
