package dev.flashcopy.engine.device;

import java.nio.channels.FileChannel;

/**
 * An open file a device lends for one send ({@link FileRangeDevice#fileHolding}): the device does not close
 * the file while a hold remains, so the descriptor a transport's {@code sendfile} uses can never be closed
 * and reused for another file under it. Whoever got the hold calls {@link #release()} once, when the send
 * is over or abandoned.
 *
 * <p>Implementations are thread-safe: holds are taken and given back on any thread.
 */
public interface HeldFile {
    /** The file, open for reading; the borrower reads it by position and never closes it. */
    FileChannel channel();

    /** Gives back this hold; the device closes the file once it is closed itself and no hold remains. */
    void release();
}
