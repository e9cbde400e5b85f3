package dev.flashcopy.nbd.protocol;

/** Information items of {@code NBD_OPT_INFO}/{@code NBD_OPT_GO} ({@code NBD_INFO_*}). */
public enum InfoType {
    EXPORT(0),
    NAME(1),
    DESCRIPTION(2),
    BLOCK_SIZE(3);

    private static final InfoType[] BY_CODE = WireCodes.index(values(), InfoType::code);

    private final int code;

    InfoType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** True when {@code code} names an info type this enum knows; the spec says ignore the others. */
    public static boolean isKnown(int code) {
        return WireCodes.lookup(BY_CODE, code) != null;
    }

    public static InfoType of(int code) {
        return WireCodes.require(BY_CODE, code, "info type");
    }
}
