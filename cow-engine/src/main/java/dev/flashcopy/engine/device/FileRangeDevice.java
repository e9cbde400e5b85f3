package dev.flashcopy.engine.device;

/**
 * A device that can say when a range of it is, byte for byte, a range of one file, so a server may send
 * a READ's data from the file to the socket ({@code sendfile}) without copying it through user memory.
 * Only a volume that reads its own image qualifies; a copy-on-write target (whose grains live partly in
 * its source) or a cascade's middle does not, and reads through {@link BlockDevice#read} as before.
 *
 * <p>Implementations are thread-safe.
 */
public interface FileRangeDevice {
    /**
     * A hold on the file whose bytes at the same offsets {@code [offset, offset + length)} are this device's
     * data there, or null when the range must be read through {@link BlockDevice#read}: the data comes from
     * more than one file, the device has no real file, or the page cache does not hold all of the range
     * (a send runs on a network event loop, which must never wait on the disk). The bytes sent later are
     * ones this device held at some moment since the call: the file changes afterwards only by writes to
     * this device (which a concurrent NBD read may race with, as the protocol allows), never by copying
     * another volume's new data into it. The caller releases the hold when the send is over.
     */
    HeldFile fileHolding(long offset, long length) throws BlockIoException;
}
