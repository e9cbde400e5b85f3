package dev.flashcopy.nbd.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.flashcopy.nbd.access.AddressRange;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.handshake.OptionNegotiator;
import dev.flashcopy.nbd.testing.InlineDispatcher;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.tls.TlsMode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fuzzed conversation ({@link HostileConversation}) with a server whose export rules deny the client one export
 * ({@code hidden}, allowed to another network only) and make another read-only ({@code ro}): refusals, hidden
 * names and read-only writes must end as replies or a close, never a handler failure or a leaked lease.
 */
class NbdWireExportRulesFuzzTest {
    private static final ExportAccess RULES = new ExportAccess(
            Map.of(
                    "hidden",
                    List.of(AddressRange.parse("192.168.0.0/16")),
                    "disk",
                    List.of(AddressRange.parse("10.0.0.0/8"))),
            Set.of("ro"));

    @FuzzTest(maxDuration = "10s")
    void refusedAndReadOnlyExportsGetRepliesOrAClosedConnection(FuzzedDataProvider in) throws UnknownHostException {
        LeaseCountingDevices devices = new LeaseCountingDevices(
                new MemoryDevice("disk", 1 << 16),
                new MemoryDevice("ro", 1 << 16),
                new MemoryDevice("hidden", 1 << 16));
        OptionNegotiator negotiator =
                new OptionNegotiator(devices, TlsMode.OFF, RULES, InetAddress.getByName("10.1.2.3"));
        HostileConversation.play(in, new HandshakeHandler(negotiator, InlineDispatcher.INSTANCE), devices);
    }
}
