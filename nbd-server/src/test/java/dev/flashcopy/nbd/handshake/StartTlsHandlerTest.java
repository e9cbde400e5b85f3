package dev.flashcopy.nbd.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.testing.InlineDispatcher;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.testing.TestCertificates;
import dev.flashcopy.nbd.tls.TlsCredentials;
import dev.flashcopy.nbd.tls.TlsMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the handshake handler hands the connection to TLS, byte by byte, through an {@link EmbeddedChannel}. */
class StartTlsHandlerTest {
    @TempDir
    static Path pki;

    private static SslContext tls;

    @TempDir
    Path dir;

    private Volume disk;
    private EmbeddedChannel channel;

    @BeforeAll
    static void credentials() throws Exception {
        TestCertificates certs = TestCertificates.create(pki.resolve("pki"));
        tls = TlsCredentials.load(certs.serverCert(), certs.serverKey(), null).nbdContext();
    }

    @BeforeEach
    void open() throws Exception {
        disk = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 1 << 20), false);
        OptionNegotiator negotiator =
                new OptionNegotiator(new LeaseCountingDevices(disk), TlsMode.REQUIRE, ExportAccess.OPEN, null);
        channel = new EmbeddedChannel(new HandshakeHandler(negotiator, InlineDispatcher.INSTANCE, tls, Duration.ZERO));
        sent(); // the greeting
        feed(ByteBuffer.allocate(4).putInt(3).array());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        disk.close();
    }

    private void feed(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
    }

    private byte[] sent() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            bytes.writeBytes(ByteBufUtil.getBytes(buf));
            buf.release();
        }
        return bytes.toByteArray();
    }

    private static byte[] option(int option, int length) {
        return ByteBuffer.allocate(16 + length)
                .putLong(RawNbdClient.OPTION_MAGIC)
                .putInt(option)
                .putInt(length)
                .array();
    }

    @Test
    void ackGoesOutInClearTextThenTlsSitsInFrontOfTheHandshake() {
        assertNull(channel.pipeline().get(HandshakeHandler.TLS_NAME));
        feed(option(5, 0));
        byte[] ack = ByteBuffer.allocate(20)
                .putLong(RawNbdClient.OPTION_REPLY_MAGIC)
                .putInt(5)
                .putInt(1)
                .putInt(0)
                .array();
        assertArrayEquals(ack, sent());
        assertInstanceOf(SslHandler.class, channel.pipeline().first());
        String handshake = channel.pipeline().context(HandshakeHandler.class).name();
        assertTrue(
                channel.pipeline().names().indexOf(HandshakeHandler.TLS_NAME)
                        < channel.pipeline().names().indexOf(handshake),
                channel.pipeline().names().toString());
        assertTrue(channel.isActive());
    }

    @Test
    void bytesPipelinedBehindStartTlsCloseTheConnection() {
        byte[] starttls = option(5, 0);
        byte[] early = new byte[] {0x16, 0x03, 0x01}; // the start of a TLS hello sent before the ACK
        byte[] both = ByteBuffer.allocate(starttls.length + early.length)
                .put(starttls)
                .put(early)
                .array();
        feed(both);
        assertFalse(channel.isActive(), "a client must wait for the STARTTLS reply before its TLS hello");
    }
}
