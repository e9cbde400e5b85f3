package dev.flashcopy.nbd.protocol;

/** Option codes a client sends during the handshake ({@code NBD_OPT_*}). */
public enum NbdOption {
    EXPORT_NAME(1),
    ABORT(2),
    LIST(3),
    /** Withdrawn experimental extension; never supported. */
    PEEK_EXPORT(4),
    STARTTLS(5),
    INFO(6),
    GO(7),
    STRUCTURED_REPLY(8),
    LIST_META_CONTEXT(9),
    SET_META_CONTEXT(10),
    EXTENDED_HEADERS(11);

    private static final NbdOption[] BY_CODE = WireCodes.index(values(), NbdOption::code);

    private final int code;

    NbdOption(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** True when {@code code} names an option this enum knows. */
    public static boolean isKnown(int code) {
        return WireCodes.lookup(BY_CODE, code) != null;
    }

    public static NbdOption of(int code) {
        return WireCodes.require(BY_CODE, code, "option");
    }
}
