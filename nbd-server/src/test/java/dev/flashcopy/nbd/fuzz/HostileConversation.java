package dev.flashcopy.nbd.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One fuzzed client conversation with a server's handshake handler, and what must hold after it, whatever the
 * bytes: the fuzzer's data is cut into fragments of sizes it also chooses and fed in until it runs out or the
 * server closes. Afterwards no handler has reached {@code exceptionCaught} (handlers log the cause there, and
 * protocol violations close the connection on purpose, so a logged throwable is a bug), every inbound buffer is
 * released, and every export lease is back. Each fuzz test sets up its server one way (open, export rules,
 * dirty maps, TLS required) and hands it here. Not thread-safe: one conversation at a time per JVM.
 */
final class HostileConversation {
    private static final List<LogRecord> FAILURES = new ArrayList<>();
    private static final Logger NBD_LOGGER = Logger.getLogger("dev.flashcopy.nbd");

    static {
        NBD_LOGGER.setLevel(Level.ALL);
        NBD_LOGGER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getThrown() != null) {
                    FAILURES.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    private HostileConversation() {}

    /** Plays {@code in} against {@code handshake} and checks what must hold afterwards. */
    static void play(FuzzedDataProvider in, HandshakeHandler handshake, LeaseCountingDevices devices) {
        FAILURES.clear();
        EmbeddedChannel channel = new EmbeddedChannel(handshake);
        List<ByteBuf> sent = new ArrayList<>();
        while (in.remainingBytes() > 0 && channel.isOpen()) {
            int fragment = in.consumeInt(1, 4096);
            byte[] bytes = in.consumeBytes(fragment);
            if (bytes.length == 0) {
                break; // (an empty wrapped buffer is the shared EMPTY_BUFFER, never released)
            }
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            sent.add(buf);
            channel.writeInbound(buf);
            channel.runPendingTasks();
            drainReplies(channel);
        }
        channel.close();
        channel.runPendingTasks();
        channel.finishAndReleaseAll();
        // Closing removes the handlers, and a decoder hands the bytes it still holds to the next handler; here
        // the tail, which on a real channel releases them and here queues them: release them as it would.
        channel.runPendingTasks();
        Object leftover;
        while ((leftover = channel.readInbound()) != null) {
            ReferenceCountUtil.release(leftover);
        }

        assertTrue(
                FAILURES.isEmpty(),
                () -> FAILURES.get(0).getLoggerName() + ": " + FAILURES.get(0).getMessage() + ": "
                        + FAILURES.get(0).getThrown());
        for (int i = 0; i < sent.size(); i++) {
            int index = i;
            assertEquals(
                    0,
                    sent.get(i).refCnt(),
                    () -> "inbound buffer " + index + " of " + sent.size() + " was never released; pipeline "
                            + channel.pipeline().names());
        }
        assertEquals(0, devices.openLeases(), "the export lease outlived the connection");
    }

    private static void drainReplies(EmbeddedChannel channel) {
        Object reply;
        while ((reply = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(reply);
        }
    }
}
