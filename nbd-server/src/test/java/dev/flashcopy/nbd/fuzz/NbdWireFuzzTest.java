package dev.flashcopy.nbd.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.handshake.OptionNegotiator;
import dev.flashcopy.nbd.testing.InlineDispatcher;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A whole client conversation, fuzzed: handshake bytes, then (once an export is chosen) requests, cut into
 * fragments the fuzzer also chooses. Seeds in {@code NbdWireFuzzTestInputs} start from a valid session.
 */
class NbdWireFuzzTest {
    /** Handlers log the cause when {@code exceptionCaught} runs; in this harness that is always a bug. */
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
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    @FuzzTest(maxDuration = "10s")
    void hostileClientGetsRepliesOrAClosedConnectionAndLeaksNothing(FuzzedDataProvider in) {
        FAILURES.clear();
        LeaseCountingDevices devices = new LeaseCountingDevices(new MemoryDevice("disk", 1 << 16));
        EmbeddedChannel channel = new EmbeddedChannel(new HandshakeHandler(new OptionNegotiator(devices), InlineDispatcher.INSTANCE));
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
            io.netty.util.ReferenceCountUtil.release(leftover);
        }

        assertTrue(FAILURES.isEmpty(), () -> FAILURES.get(0).getLoggerName() + ": " + FAILURES.get(0).getMessage()
                + ": " + FAILURES.get(0).getThrown());
        for (int i = 0; i < sent.size(); i++) {
            int index = i;
            assertEquals(0, sent.get(i).refCnt(), () -> "inbound buffer " + index + " of " + sent.size()
                    + " was never released; pipeline " + channel.pipeline().names());
        }
        assertEquals(0, devices.openLeases(), "the export lease outlived the connection");
    }

    private static void drainReplies(EmbeddedChannel channel) {
        Object reply;
        while ((reply = channel.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(reply);
        }
    }
}
