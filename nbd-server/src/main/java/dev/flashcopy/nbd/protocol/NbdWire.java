package dev.flashcopy.nbd.protocol;

/**
 * Magic numbers, fixed message sizes and the limits this server enforces, in one place. All
 * multi-byte values on the wire are big-endian (Netty's default byte order).
 */
public final class NbdWire {
    /** {@code NBDMAGIC}: first 8 bytes the server sends. */
    public static final long NBD_MAGIC = 0x4e42444d41474943L;
    /** {@code IHAVEOPT}: sent by the server after {@link #NBD_MAGIC}, and before every client option. */
    public static final long OPTION_MAGIC = 0x49484156454F5054L;
    /** Starts every fixed-newstyle option reply. */
    public static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;

    public static final int REQUEST_MAGIC = 0x25609513;
    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    /** Client flags (4) after the greeting. */
    public static final int CLIENT_FLAGS_LENGTH = 4;
    /** Magic (8), option (4), data length (4). */
    public static final int OPTION_HEADER_LENGTH = 16;
    /** Magic (8), option (4), reply type (4), data length (4). */
    public static final int OPTION_REPLY_HEADER_LENGTH = 20;
    /** Magic (4), flags (2), type (2), cookie (8), offset (8), length (4). */
    public static final int REQUEST_HEADER_LENGTH = 28;
    /** Magic (4), error (4), cookie (8). */
    public static final int SIMPLE_REPLY_HEADER_LENGTH = 16;
    /** Magic (4), flags (2), type (2), cookie (8), payload length (4). */
    public static final int CHUNK_HEADER_LENGTH = 20;
    /** Reserved zeroes after the {@code NBD_OPT_EXPORT_NAME} reply unless {@code NO_ZEROES} was agreed. */
    public static final int EXPORT_NAME_ZEROES = 124;

    /** Server greeting of the fixed newstyle handshake: NBDMAGIC, IHAVEOPT, 16-bit handshake flags. */
    public static final int GREETING_LENGTH = 8 + 8 + 2;
    /** {@code NBD_INFO_EXPORT}: type (16), export size (64), transmission flags (16). */
    public static final int INFO_EXPORT_LENGTH = 2 + 8 + 2;
    /** {@code NBD_INFO_BLOCK_SIZE}: type (16), minimum, preferred and maximum block size (32 each). */
    public static final int INFO_BLOCK_SIZE_LENGTH = 2 + 4 + 4 + 4;
    /** {@code NBD_INFO_NAME}/{@code DESCRIPTION}: the type (16) before the text. */
    public static final int INFO_TYPE_LENGTH = 2;
    /** A 32-bit length before a string (export names, meta context names, queries). */
    public static final int STRING_LENGTH_PREFIX = 4;
    /** {@code NBD_REPLY_TYPE_OFFSET_DATA}: the 64-bit offset before the data. */
    public static final int OFFSET_DATA_PREFIX = 8;
    /** {@code NBD_REPLY_TYPE_OFFSET_HOLE}: 64-bit offset, 32-bit hole length. */
    public static final int OFFSET_HOLE_LENGTH = 8 + 4;
    /** {@code NBD_REPLY_TYPE_ERROR}: 32-bit error, 16-bit message length, before the message. */
    public static final int ERROR_PREFIX = 4 + 2;
    /** {@code NBD_REPLY_TYPE_BLOCK_STATUS}: the 32-bit metadata context id before the descriptors. */
    public static final int BLOCK_STATUS_PREFIX = 4;
    /** One block status descriptor: 32-bit extent length, 32-bit status flags. */
    public static final int BLOCK_DESCRIPTOR_LENGTH = 4 + 4;

    /** Structured reply flag: this chunk is the last of its reply. */
    public static final int REPLY_FLAG_DONE = 1;

    /** {@code base:allocation} status bits: the extent is not allocated, and it reads as zeroes. */
    public static final int STATE_HOLE = 1;

    public static final int STATE_ZERO = 1 << 1;
    /** {@code qemu:dirty-bitmap:*} status bit, as qemu-nbd sends it: the extent is dirty (set in the map). */
    public static final int STATE_DIRTY = 1;

    /** The spec's hard limit for strings (export names, queries, messages). */
    public static final int MAX_STRING_LENGTH = 4096;
    /**
     * The largest option payload buffered. A GO names one export (at most 4 KiB) plus a few info
     * requests; a meta-context query list of 16 full-length queries still fits. Longer options are
     * skipped as they stream and answered with {@code NBD_REP_ERR_TOO_BIG}.
     */
    public static final int MAX_OPTION_LENGTH = 64 * 1024;

    /** Advertised with {@code NBD_INFO_BLOCK_SIZE}: any byte alignment works on a raw file. */
    public static final int MIN_BLOCK_SIZE = 1;

    public static final int PREFERRED_BLOCK_SIZE = 4096;
    /**
     * The largest READ or WRITE payload served, advertised with {@code NBD_INFO_BLOCK_SIZE}: 64 MiB, as nbdkit
     * does (the NBD project's own {@code integrityhuge} test writes 47.5 MiB at once), twice the spec's
     * default of 32 MiB that clients honour when nothing is advertised. Write payloads and READ reply data in
     * memory are bounded server-wide by {@code PayloadBudget}s.
     */
    public static final int MAX_PAYLOAD = 64 * 1024 * 1024;

    /** Error strings sent to clients are cut to this many bytes: qemu drops a connection over 1000. */
    public static final int MAX_ERROR_MESSAGE_LENGTH = 200;

    private NbdWire() {}
}
