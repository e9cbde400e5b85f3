package dev.flashcopy.nbd.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.Transport;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A far server that stops answering (nbdkit stopped with SIGSTOP, as a hung owner would be): requests waiting on it
 * fail after the export's reply timeout instead of waiting forever, and the next one dials again.
 */
class SilentServerTest {
    private static final Duration REPLY_TIMEOUT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // without a reply timeout: forever
    void aReadFromAStoppedServerFailsAfterTheReplyTimeoutAndTheNextOneDialsAgain() throws Exception {
        byte[] data = new byte[4096];
        new Random(6).nextBytes(data);
        try (ClientLoops loops = ClientLoops.create(1);
                PeerProcess far = PeerProcess.nbdkit(dir, "memory", "16M")) {
            RemoteExport export = new RemoteExport(far.endpoint(), "").withReplyTimeout(REPLY_TIMEOUT);
            try (RemoteDevice device = RemoteDevice.open("far", Dialer.of(export, loops), Reconnect.ON_NEXT_REQUEST)) {
                device.write(8192, ByteBuffer.wrap(data), false);
                NbdConnection first = device.connection();
                far.signal("STOP");
                long start = System.nanoTime();
                BlockIoException e;
                try {
                    e = assertThrows(BlockIoException.class, () -> device.read(8192, ByteBuffer.allocate(4096)));
                } finally {
                    far.signal("CONT");
                }
                long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(BlockError.IO, e.error());
                assertTrue(e.getMessage().startsWith("no reply from "), e.getMessage());
                assertTrue(
                        waitedMs >= REPLY_TIMEOUT.toMillis() && waitedMs < 5_000, "failed after " + waitedMs + " ms");
                assertFalse(first.isOpen(), "the silent connection is closed");

                ByteBuffer back = ByteBuffer.allocate(4096);
                device.read(8192, back);
                assertArrayEquals(data, back.array(), "read again over a new connection");
                assertTrue(device.connection() != first);
            }
        }
    }

    /** The forwarding path, where the front's event loop starts the request: the client gets EIO, not silence. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aForwardedReadToAStoppedOwnerIsAnsweredWithAnErrorAfterTheReplyTimeout() throws Exception {
        try (ClientLoops loops = ClientLoops.create(1);
                PeerProcess far = PeerProcess.nbdkit(dir, "memory", "16M");
                RemoteDevices forwarded = new RemoteDevices(loops);
                NbdServer front = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 2, 1), forwarded)) {
            forwarded.add("vol", new RemoteExport(far.endpoint(), "").withReplyTimeout(REPLY_TIMEOUT));
            RemoteExport viaFront = new RemoteExport(new Endpoint.Tcp("127.0.0.1", front.port()), "vol");
            try (NbdConnection c = NbdClient.open(viaFront, loops)) {
                c.read(0, ByteBuffer.allocate(4096), 0).get(10, TimeUnit.SECONDS); // the forward works
                far.signal("STOP");
                try {
                    ExecutionException e = assertThrows(
                            ExecutionException.class,
                            () -> c.read(0, ByteBuffer.allocate(4096), 0).get(10, TimeUnit.SECONDS));
                    assertEquals(
                            5, assertInstanceOf(ErrorReply.class, e.getCause()).errno()); // EIO
                } finally {
                    far.signal("CONT");
                }
            }
        }
    }

    @Test
    void tcpConnectionsProbeAnIdleServerWithKeepalive() throws Exception {
        try (ClientLoops loops = ClientLoops.create(1);
                Volume volume = new Volume("vol", ImageFile.create(dir.resolve("vol.img"), 1 << 20), false);
                NbdServer server =
                        NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 2, 1), new LeaseCountingDevices(volume));
                NbdConnection c =
                        NbdClient.open(new RemoteExport(new Endpoint.Tcp("127.0.0.1", server.port()), "vol"), loops)) {
            assertTrue(c.channel().config().getOption(ChannelOption.SO_KEEPALIVE));
            if (loops.transport() == Transport.EPOLL) {
                assertEquals(KeepAlive.IDLE_SECONDS, c.channel().config().getOption(EpollChannelOption.TCP_KEEPIDLE));
                assertEquals(KeepAlive.PROBES, c.channel().config().getOption(EpollChannelOption.TCP_KEEPCNT));
            }
        }
    }
}
