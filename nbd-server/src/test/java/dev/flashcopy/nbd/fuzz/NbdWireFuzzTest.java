package dev.flashcopy.nbd.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.handshake.OptionNegotiator;
import dev.flashcopy.nbd.testing.InlineDispatcher;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;

/**
 * A whole client conversation, fuzzed ({@link HostileConversation}), against an open server with one export.
 * Seeds in {@code NbdWireFuzzTestInputs} start from a valid session.
 */
class NbdWireFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void hostileClientGetsRepliesOrAClosedConnectionAndLeaksNothing(FuzzedDataProvider in) {
        LeaseCountingDevices devices = new LeaseCountingDevices(new MemoryDevice("disk", 1 << 16));
        HostileConversation.play(
                in, new HandshakeHandler(new OptionNegotiator(devices), InlineDispatcher.INSTANCE), devices);
    }
}
