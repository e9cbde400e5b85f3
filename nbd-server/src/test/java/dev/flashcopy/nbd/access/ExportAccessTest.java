package dev.flashcopy.nbd.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** CIDR matching and the per-export decision. */
class ExportAccessTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void cidrBlocksMatchByPrefixBits() throws Exception {
        AddressRange net = AddressRange.parse("10.1.0.0/15");
        assertTrue(net.contains(ip("10.0.255.1")), "a /15 spans 10.0.x.x and 10.1.x.x");
        assertTrue(net.contains(ip("10.1.2.3")));
        assertFalse(net.contains(ip("10.2.0.0")));
        assertTrue(AddressRange.parse("192.168.1.7").contains(ip("192.168.1.7")));
        assertFalse(AddressRange.parse("192.168.1.7").contains(ip("192.168.1.8")));
        assertTrue(AddressRange.parse("fd00::/8").contains(ip("fd12::1")));
        assertFalse(AddressRange.parse("fd00::/8").contains(ip("10.0.0.1")), "families never match");
        assertTrue(AddressRange.parse("0.0.0.0/0").contains(ip("8.8.8.8")));
        assertFalse(AddressRange.parse("0.0.0.0/0").contains(null));
    }

    @Test
    void badRangesSayWhatIsExpected() {
        for (String bad : new String[] {"", "example.com", "10.0.0.0/33", "10.0.0.0/x", "::1/129"}) {
            String message = assertThrows(IllegalArgumentException.class, () -> AddressRange.parse(bad))
                    .getMessage();
            assertTrue(message.contains("'" + bad + "'") && message.contains("expected"), message);
        }
    }

    @Test
    void rulesDenyOutsiderKeepOthersOpenAndMakeReadOnly() throws Exception {
        ExportAccess access =
                new ExportAccess(Map.of("backup", List.of(AddressRange.parse("10.0.0.0/8"))), Set.of("golden"));
        assertEquals(Access.DENIED, access.decide("backup", ip("192.168.0.1")));
        assertEquals(Access.READ_WRITE, access.decide("backup", ip("10.9.8.7")));
        assertEquals(Access.READ_WRITE, access.decide("scratch", ip("192.168.0.1")));
        assertEquals(Access.READ_ONLY, access.decide("golden", ip("192.168.0.1")));
        assertEquals(Access.DENIED, access.decide("backup", null), "an unknown address fails closed");
    }

    @Test
    void starRuleCoversExportsWithoutTheirOwn() throws Exception {
        ExportAccess access = new ExportAccess(
                Map.of(
                        "*",
                        List.of(AddressRange.parse("127.0.0.1")),
                        "shared",
                        List.of(AddressRange.parse("0.0.0.0/0"))),
                Set.of("*"));
        assertEquals(Access.DENIED, access.decide("any", ip("10.0.0.1")));
        assertEquals(Access.READ_ONLY, access.decide("any", ip("127.0.0.1")));
        assertEquals(Access.READ_ONLY, access.decide("shared", ip("10.0.0.1")));
    }
}
