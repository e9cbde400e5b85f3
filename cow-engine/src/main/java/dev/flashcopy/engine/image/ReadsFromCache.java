package dev.flashcopy.engine.image;

import java.nio.ByteBuffer;

/**
 * An optional capability of a {@link VolumeImage}: answering a read at once from memory the store already holds
 * (a file's page cache), so a server may reply on its event loop. A store that always has to ask a remote service
 * (RBD) does not have it, and its reads take the usual path on a thread that may wait.
 *
 * <p>Implementations are thread-safe.
 */
public interface ReadsFromCache {
    /**
     * Fills {@code dst} (direct) at {@code offset} only if every byte is data already in memory, without waiting.
     * False when it could not, with {@code dst}'s position unchanged (its bytes undefined): the caller reads the
     * usual way.
     */
    boolean readCached(long offset, ByteBuffer dst);
}
