package dev.flashcopy.nbd.protocol;

/** Bits of a request's 16-bit flags field ({@code NBD_CMD_FLAG_*}). */
public enum CommandFlag {
    FUA(1),
    NO_HOLE(1 << 1),
    DF(1 << 2),
    REQ_ONE(1 << 3),
    FAST_ZERO(1 << 4);

    private final int bit;

    CommandFlag(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public boolean isSet(int flags) {
        return (flags & bit) != 0;
    }

    public static CommandFlag of(int bit) {
        for (CommandFlag flag : values()) {
            if (flag.bit == bit) {
                return flag;
            }
        }
        throw new IllegalArgumentException(
                "command flag: " + bit + " (expected: a single bit defined by the NBD spec)");
    }
}
