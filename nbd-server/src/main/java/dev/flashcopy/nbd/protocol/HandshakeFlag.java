package dev.flashcopy.nbd.protocol;

/**
 * Bits of the server's 16-bit handshake flags and of the client's 32-bit reply to them: the
 * spec gives each pair the same bit ({@code NBD_FLAG_FIXED_NEWSTYLE}/{@code NBD_FLAG_C_FIXED_NEWSTYLE}).
 */
public enum HandshakeFlag {
    FIXED_NEWSTYLE(1),
    NO_ZEROES(1 << 1);

    /** Every client flag this server understands; any other bit set means the connection is closed. */
    public static final int KNOWN_CLIENT_FLAGS = FIXED_NEWSTYLE.bit | NO_ZEROES.bit;

    private final int bit;

    HandshakeFlag(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public boolean isSet(int flags) {
        return (flags & bit) != 0;
    }

    public static HandshakeFlag of(int bit) {
        for (HandshakeFlag flag : values()) {
            if (flag.bit == bit) {
                return flag;
            }
        }
        throw new IllegalArgumentException(
                "handshake flag: " + bit + " (expected: a single bit defined by the NBD spec)");
    }
}
