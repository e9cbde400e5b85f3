package dev.flashcopy.nbd.protocol;

/** Chunk types of structured replies ({@code NBD_REPLY_TYPE_*}); error chunks have bit 15 set. */
public enum ReplyType {
    NONE(0),
    OFFSET_DATA(1),
    OFFSET_HOLE(2),
    BLOCK_STATUS(5),
    ERROR(0x8001),
    ERROR_OFFSET(0x8002);

    private final int code;

    ReplyType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ReplyType of(int code) {
        for (ReplyType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new IllegalArgumentException("reply type: " + code + " (expected: a chunk type defined by the NBD spec)");
    }
}
