package dev.flashcopy.nbd.protocol;

/** Bits of the 16-bit transmission flags sent with an export ({@code NBD_FLAG_*}). */
public enum TransmissionFlag {
    HAS_FLAGS(1),
    READ_ONLY(1 << 1),
    SEND_FLUSH(1 << 2),
    SEND_FUA(1 << 3),
    ROTATIONAL(1 << 4),
    SEND_TRIM(1 << 5),
    SEND_WRITE_ZEROES(1 << 6),
    SEND_DF(1 << 7),
    CAN_MULTI_CONN(1 << 8),
    SEND_RESIZE(1 << 9),
    SEND_CACHE(1 << 10),
    SEND_FAST_ZERO(1 << 11);

    private final int bit;

    TransmissionFlag(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public boolean isSet(int flags) {
        return (flags & bit) != 0;
    }

    public static TransmissionFlag of(int bit) {
        for (TransmissionFlag flag : values()) {
            if (flag.bit == bit) {
                return flag;
            }
        }
        throw new IllegalArgumentException(
                "transmission flag: " + bit + " (expected: a single bit defined by the NBD spec)");
    }
}
