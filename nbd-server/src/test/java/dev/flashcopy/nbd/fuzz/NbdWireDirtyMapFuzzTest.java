package dev.flashcopy.nbd.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.handshake.OptionNegotiator;
import dev.flashcopy.nbd.testing.DirtyMapVolume;
import dev.flashcopy.nbd.testing.InlineDispatcher;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;

/**
 * A fuzzed conversation ({@link HostileConversation}) with an export that offers dirty maps as meta contexts
 * ({@code qemu:dirty-bitmap:a} and {@code :b}) besides {@code base:allocation}: context negotiation and block
 * status over several contexts, with whatever names, ranges and flags the fuzzer sends.
 */
class NbdWireDirtyMapFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void metaContextsAndBlockStatusGetRepliesOrAClosedConnection(FuzzedDataProvider in) {
        DirtyMapVolume disk = new DirtyMapVolume(new MemoryDevice("disk", 1 << 16), 4096);
        disk.map("a", 0, 3, 4, 15);
        disk.map("b");
        LeaseCountingDevices devices = new LeaseCountingDevices(disk);
        HostileConversation.play(
                in, new HandshakeHandler(new OptionNegotiator(devices), InlineDispatcher.INSTANCE), devices);
    }
}
