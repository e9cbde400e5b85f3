package dev.flashcopy.nbd.protocol;

/** Request types of the transmission phase ({@code NBD_CMD_*}). */
public enum NbdCommand {
    READ(0),
    WRITE(1),
    DISC(2),
    FLUSH(3),
    TRIM(4),
    CACHE(5),
    WRITE_ZEROES(6),
    BLOCK_STATUS(7);

    private static final NbdCommand[] BY_CODE = WireCodes.index(values(), NbdCommand::code);

    private final int code;

    NbdCommand(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static boolean isKnown(int code) {
        return WireCodes.lookup(BY_CODE, code) != null;
    }

    public static NbdCommand of(int code) {
        return WireCodes.require(BY_CODE, code, "command");
    }
}
