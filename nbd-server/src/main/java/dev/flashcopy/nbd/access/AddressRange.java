package dev.flashcopy.nbd.access;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A block of client addresses in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}), or one
 * address ({@code 192.168.1.7}, a /32 or /128). IPv4 ranges match IPv4 clients only, IPv6 ranges IPv6
 * clients only. Immutable.
 */
public record AddressRange(InetAddress network, int prefixLength) {
    public AddressRange {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length: " + prefixLength + " (expected: 0 to " + bits + ")");
        }
    }

    /** Parses {@code ADDRESS[/PREFIX]}; literal addresses only, never a DNS look-up. */
    public static AddressRange parse(String text) {
        String s = text == null ? "" : text.trim();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        String expected = " (expected: an IP address or CIDR block such as 10.0.0.0/8, 192.168.1.7 or fd00::/8)";
        if (address.isEmpty()
                || !(address.indexOf(':') >= 0 || address.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("address range '" + text + "' is not valid" + expected);
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(address); // a literal, checked above, so no look-up happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address range '" + text + "' is not valid" + expected);
        }
        int bits = ip.getAddress().length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address range '" + text + "' has no valid prefix length" + expected);
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException(
                    "address range '" + text + "': prefix length " + prefix + " (expected: 0 to " + bits + ")");
        }
        return new AddressRange(ip, prefix);
    }

    /** Whether {@code client} lies in this range; null (no IP address known) never does. */
    public boolean contains(InetAddress client) {
        if (client == null) {
            return false;
        }
        byte[] a = network.getAddress();
        byte[] b = client.getAddress();
        if (a.length != b.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (b[full] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
